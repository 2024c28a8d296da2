import type { Redis } from 'ioredis';
import { LuaScript } from '@app/redis';
import type { ClusterKeys } from './cluster-options.js';
import type { NodeId } from './ids.js';
import type { Member } from './member.js';

/**
 * One atomic step of membership, run by every node every heartbeat: drop members
 * whose heartbeat is older than the TTL (by Redis's clock, so node clocks don't
 * matter), renew this node, bump the shared epoch if the member set changed, and
 * return the whole registry. One round trip a second per node. Records are
 * signed by the nodes and checked by them, not here: Redis never sees the secret.
 * A record under this id from another instance is a conflict, unless the node
 * found it forged and asks to replace exactly that record (ARGV[6]).
 *
 * KEYS: members zset, member-info hash, epoch
 * ARGV: id, sealed record, ttl ms, instance, pins key prefix, record to replace ('' for none)
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
if existing and existing ~= ARGV[6] then
  local readable, holder = pcall(cjson.decode, existing)
  if not readable or type(holder) ~= 'table' or holder.instance ~= ARGV[4] then
    return {'conflict', existing}
  end
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
local readable, holder = pcall(cjson.decode, existing or 'null')
if not readable or type(holder) ~= 'table' or holder.instance ~= ARGV[2] then
  return tonumber(redis.call('GET', KEYS[3]) or '0')
end
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[2], ARGV[1])
redis.call('DEL', KEYS[4])
return redis.call('INCR', KEYS[3])
`);

/** This node's registration, as one heartbeat writes it. */
export interface Registration {
  id: NodeId;
  instance: string;
  /** The signed record to store (`MemberSignature.seal`). */
  record: string;
  /** A record under this id that failed its signature: overwritten if it is still the one there. */
  replaces?: string;
}

/** Records come back as stored: unverified, possibly not even JSON. */
export type HeartbeatResult =
  | { kind: 'ok'; epoch: number; records: string[] }
  /** Another process's record holds this node id (verify it before believing it). */
  | { kind: 'conflict'; record: string };

/** Where the members meet: the registry every node renews and reads. */
export interface MembershipStore {
  /**
   * Drops the members silent for `ttlMs`, renews `self` (unless another
   * process's record holds its id), bumps the epoch if the member set changed,
   * and returns the registry's records.
   */
  heartbeat(self: Registration, ttlMs: number): Promise<HeartbeatResult>;
  /** Removes `self` and its pins at once; returns the epoch after. */
  leave(self: Pick<Member, 'id' | 'instance'>): Promise<number>;
}

/** The registry in Redis: scripts in, records out. */
export class RedisMembershipStore implements MembershipStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: ClusterKeys,
  ) {}

  async heartbeat(self: Registration, ttlMs: number): Promise<HeartbeatResult> {
    const reply = await HEARTBEAT_SCRIPT.run<[string, ...unknown[]]>(
      this.redis,
      [this.keys.members, this.keys.memberInfo, this.keys.epoch],
      [self.id, self.record, ttlMs, self.instance, this.keys.pins(''), self.replaces ?? ''],
    );
    if (reply[0] === 'conflict') return { kind: 'conflict', record: reply[1] as string };
    const [, epoch, records] = reply as [string, number, string[]];
    return { kind: 'ok', epoch, records };
  }

  async leave(self: Pick<Member, 'id' | 'instance'>): Promise<number> {
    return LEAVE_SCRIPT.run<number>(
      this.redis,
      [this.keys.members, this.keys.memberInfo, this.keys.epoch, this.keys.pins(self.id)],
      [self.id, self.instance],
    );
  }
}
