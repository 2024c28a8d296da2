import { LuaScript, type RedisClient } from '@app/redis';
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
 * Silence does not count against anyone. The registry remembers when any node
 * last ran this script; time beyond one heartbeat interval since then is time in
 * which no node could heartbeat (Redis down, restarted or paused), so every
 * member's score moves forward by it (never past now) before the expiry. Without
 * it the first node back after an outage longer than the TTL would expire every
 * live peer. A dead node is still dropped within TTL + one heartbeat interval of
 * Redis returning: its score is credited at most up to now, and no one renews it
 * after. While any node beats, gaps stay under the interval and nothing is
 * credited, so a node that alone went silent (crashed, paused) expires on time.
 *
 * Each time an id is added to the members (not renewed), the script stamps that
 * admission: instance, Redis time, and whether the same instance was admitted
 * before (then it was dropped in between: expired, or removed). Every answer
 * carries the current stamp, so a node learns of its drop from any later answer,
 * even when the one that re-added it was lost (a heartbeat that reached Redis
 * only after the node had given up on it, as a cut network link does).
 *
 * KEYS: members zset, member-info hash, epoch, last heartbeat (ms), admissions hash
 * ARGV: id, sealed record, ttl ms, instance, pins key prefix, record to replace ('' for none),
 *       heartbeat interval ms
 *
 * `allow-oom`: a Redis full of messages (at `maxmemory`, `noeviction`) refuses
 * writes, and without the flag this renewal too: every node would drop out of
 * the ring. The renewal rewrites a few fixed-size entries; it may not be refused.
 */
const HEARTBEAT_SCRIPT = new LuaScript(`#!lua flags=allow-oom
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local ttl = tonumber(ARGV[3])
local last = tonumber(redis.call('GET', KEYS[4]) or '')
local silence = now
if last then silence = now - last - tonumber(ARGV[7]) end
if silence > 0 then
  local scores = redis.call('ZRANGE', KEYS[1], 0, -1, 'WITHSCORES')
  for i = 1, #scores, 2 do
    redis.call('ZADD', KEYS[1], math.min(tonumber(scores[i + 1]) + silence, now), scores[i])
  end
end
redis.call('SET', KEYS[4], now)
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
local admission = redis.call('HGET', KEYS[5], ARGV[1])
if redis.call('ZADD', KEYS[1], now, ARGV[1]) == 1 then
  changed = true
  local again = admission and string.match(admission, '^(%S+) ') == ARGV[4]
  admission = ARGV[4] .. ' ' .. now .. ' ' .. (again and '1' or '0')
  redis.call('HSET', KEYS[5], ARGV[1], admission)
end
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
local epoch
if changed then epoch = redis.call('INCR', KEYS[3]) else epoch = tonumber(redis.call('GET', KEYS[3]) or '0') end
return {'ok', epoch, redis.call('HVALS', KEYS[2]), admission or ''}
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

/** When this node's id was last added to the members (not renewed). */
export interface Admission {
  /** Redis time (ms): each admission has its own. */
  at: number;
  /** This same instance had been admitted before: it was dropped in between. */
  again: boolean;
}

/** Records come back as stored: unverified, possibly not even JSON. */
export type HeartbeatResult =
  /** `admission`: undefined for a member admitted before admissions were stamped. */
  | { kind: 'ok'; epoch: number; records: string[]; admission?: Admission }
  /** Another process's record holds this node id (verify it before believing it). */
  | { kind: 'conflict'; record: string };

export interface HeartbeatTiming {
  ttlMs: number;
  /** Gaps between any two heartbeats longer than this are silence, credited to every member. */
  intervalMs: number;
}

/** Where the members meet: the registry every node renews and reads. */
export interface MembershipStore {
  /**
   * Drops the members silent for `timing.ttlMs` (not counting time in which no
   * node heartbeat at all), renews `self` (unless another process's record holds
   * its id), bumps the epoch if the member set changed, and returns the
   * registry's records.
   */
  heartbeat(self: Registration, timing: HeartbeatTiming): Promise<HeartbeatResult>;
  /** Removes `self` and its pins at once; returns the epoch after. */
  leave(self: Pick<Member, 'id' | 'instance'>): Promise<number>;
}

/** The registry in Redis: scripts in, records out. */
export class RedisMembershipStore implements MembershipStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: ClusterKeys,
  ) {}

  async heartbeat(self: Registration, timing: HeartbeatTiming): Promise<HeartbeatResult> {
    const { keys } = this;
    const reply = await HEARTBEAT_SCRIPT.run<[string, ...unknown[]]>(
      this.redis,
      [keys.members, keys.memberInfo, keys.epoch, keys.lastHeartbeat, keys.memberAdmissions],
      [
        self.id,
        self.record,
        timing.ttlMs,
        self.instance,
        keys.pins(''),
        self.replaces ?? '',
        timing.intervalMs,
      ],
    );
    if (reply[0] === 'conflict') return { kind: 'conflict', record: reply[1] as string };
    const [, epoch, records, admission] = reply as [string, number, string[], string];
    return { kind: 'ok', epoch, records, admission: parseAdmission(admission) };
  }

  async leave(self: Pick<Member, 'id' | 'instance'>): Promise<number> {
    return LEAVE_SCRIPT.run<number>(
      this.redis,
      [this.keys.members, this.keys.memberInfo, this.keys.epoch, this.keys.pins(self.id)],
      [self.id, self.instance],
    );
  }
}

/** `instance at again`, as the heartbeat script writes it. */
function parseAdmission(text: string): Admission | undefined {
  const [, at, again] = text.split(' ');
  return at === undefined ? undefined : { at: Number(at), again: again === '1' };
}
