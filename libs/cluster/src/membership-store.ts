import type { Redis } from 'ioredis';
import { LuaScript } from '@app/redis';
import type { ClusterKeys } from './cluster-options.js';
import { asNodeId, type NodeId } from './ids.js';
import type { Member } from './member.js';

/**
 * One atomic step of membership, run by every node every heartbeat: drop members
 * whose heartbeat is older than the TTL (by Redis's clock, so node clocks don't
 * matter), renew this node, bump the shared epoch if the member set changed, and
 * return the whole registry. One round trip a second per node.
 *
 * KEYS: members zset, member-info hash, epoch
 * ARGV: id, member json, ttl ms, instance, pins key prefix
 *
 * `allow-oom`: a Redis full of messages (at `maxmemory`, `noeviction`) refuses
 * writes, and without the flag this renewal too: every node would drop out of
 * the ring. The renewal rewrites a few fixed-size entries; it may not be refused.
 */
const HEARTBEAT_SCRIPT = new LuaScript(`#!lua flags=allow-oom
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local ttl = tonumber(ARGV[3])
local changed = false
local expired = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now - ttl)
if #expired > 0 then
  redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - ttl)
  for _, id in ipairs(expired) do
    redis.call('HDEL', KEYS[2], id)
    redis.call('DEL', ARGV[5] .. id)
  end
  changed = true
end
local existing = redis.call('HGET', KEYS[2], ARGV[1])
if existing and cjson.decode(existing).instance ~= ARGV[4] then
  return {'conflict', existing}
end
if redis.call('ZADD', KEYS[1], now, ARGV[1]) == 1 then changed = true end
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
local epoch
if changed then epoch = redis.call('INCR', KEYS[3]) else epoch = tonumber(redis.call('GET', KEYS[3]) or '0') end
return {'ok', epoch, redis.call('HVALS', KEYS[2])}
`);

/**
 * Leaves on purpose: gone at once rather than after the TTL.
 * KEYS: members zset, member-info hash, epoch, this node's pins. ARGV: id, instance
 */
const LEAVE_SCRIPT = new LuaScript(`
local existing = redis.call('HGET', KEYS[2], ARGV[1])
if not existing or cjson.decode(existing).instance ~= ARGV[2] then
  return tonumber(redis.call('GET', KEYS[3]) or '0')
end
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[2], ARGV[1])
redis.call('DEL', KEYS[4])
return redis.call('INCR', KEYS[3])
`);

export type HeartbeatResult =
  | { kind: 'ok'; epoch: number; members: Map<NodeId, Member> }
  /** Another live process holds this node id. */
  | { kind: 'conflict'; holder: Member };

/** Where the members meet: the registry every node renews and reads. */
export interface MembershipStore {
  /**
   * Drops the members silent for `ttlMs`, renews `self` (unless another live
   * process holds its id), bumps the epoch if the member set changed, and returns
   * the registry.
   */
  heartbeat(self: Member, ttlMs: number): Promise<HeartbeatResult>;
  /** Removes `self` and its pins at once; returns the epoch after. */
  leave(self: Member): Promise<number>;
}

/** The registry in Redis: scripts in, typed results out. */
export class RedisMembershipStore implements MembershipStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: ClusterKeys,
  ) {}

  async heartbeat(self: Member, ttlMs: number): Promise<HeartbeatResult> {
    const reply = await HEARTBEAT_SCRIPT.run<[string, ...unknown[]]>(
      this.redis,
      [this.keys.members, this.keys.memberInfo, this.keys.epoch],
      [self.id, JSON.stringify(self), ttlMs, self.instance, this.keys.pins('')],
    );
    if (reply[0] === 'conflict')
      return {
        kind: 'conflict',
        holder: JSON.parse(reply[1] as string) as Member,
      };
    const [, epoch, infos] = reply as [string, number, string[]];
    const members = new Map<NodeId, Member>();
    for (const info of infos) {
      const member = JSON.parse(info) as Member;
      members.set(asNodeId(member.id), member);
    }
    return { kind: 'ok', epoch, members };
  }

  async leave(self: Member): Promise<number> {
    return LEAVE_SCRIPT.run<number>(
      this.redis,
      [this.keys.members, this.keys.memberInfo, this.keys.epoch, this.keys.pins(self.id)],
      [self.id, self.instance],
    );
  }
}
