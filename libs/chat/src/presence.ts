import type { Redis } from 'ioredis';
import { LuaScript } from '@app/redis';
import { chatKeys, presenceScriptKeys } from './chat-keys.js';
import type { Member, Participant, RoomsEvent } from '@app/chat-protocol';

/*
 * Per room: `presence` maps identity id → {n (connections), node, since, name,
 * guest}; `presence-by-node` maps "node\nid" → connections on that node, so a dead
 * node's share can be removed. Per node, room → its connections there. Globally,
 * room → member count and the directory of rooms by name. An identity is a member
 * while n > 0: two tabs make one member until both leave; two people who picked
 * the same name are two members. Every registry drops a room when its count
 * reaches 0, so they hold what is in use now, never every name ever used.
 */

/**
 * KEYS: presence, by-node, node rooms, room members, room directory.
 * ARGV: room, id, node, now, name, guest ('1' or '0'). Returns 1 if newly present.
 */
const JOIN_SCRIPT = new LuaScript(`
redis.call('HINCRBY', KEYS[2], ARGV[3] .. '\\n' .. ARGV[2], 1)
redis.call('HINCRBY', KEYS[3], ARGV[1], 1)
local raw = redis.call('HGET', KEYS[1], ARGV[2])
if raw then
  local entry = cjson.decode(raw)
  entry.n = entry.n + 1
  entry.name = ARGV[5]
  redis.call('HSET', KEYS[1], ARGV[2], cjson.encode(entry))
  return 0
end
local entry = {n = 1, node = ARGV[3], since = tonumber(ARGV[4]), name = ARGV[5], guest = ARGV[6] == '1'}
redis.call('HSET', KEYS[1], ARGV[2], cjson.encode(entry))
redis.call('HINCRBY', KEYS[4], ARGV[1], 1)
redis.call('ZADD', KEYS[5], 0, ARGV[1])
return 1
`);

/** KEYS as for join. ARGV: room, id, node. Returns 1 if no longer present, 0 if still, -1 if unknown. */
const LEAVE_SCRIPT = new LuaScript(`
local field = ARGV[3] .. '\\n' .. ARGV[2]
local here = tonumber(redis.call('HGET', KEYS[2], field) or '0')
if here <= 0 then return -1 end
if here == 1 then redis.call('HDEL', KEYS[2], field) else redis.call('HINCRBY', KEYS[2], field, -1) end
if redis.call('HINCRBY', KEYS[3], ARGV[1], -1) <= 0 then redis.call('HDEL', KEYS[3], ARGV[1]) end
local raw = redis.call('HGET', KEYS[1], ARGV[2])
if not raw then return -1 end
local entry = cjson.decode(raw)
entry.n = entry.n - 1
if entry.n > 0 then
  redis.call('HSET', KEYS[1], ARGV[2], cjson.encode(entry))
  return 0
end
redis.call('HDEL', KEYS[1], ARGV[2])
if redis.call('HINCRBY', KEYS[4], ARGV[1], -1) <= 0 then
  redis.call('HDEL', KEYS[4], ARGV[1])
  redis.call('ZREM', KEYS[5], ARGV[1])
end
return 1
`);

/**
 * Removes every entry of a node (it crashed, or restarted with stale entries).
 * KEYS: node rooms, room members, room directory. ARGV: node, key prefix.
 * Returns {room, id, name, guest ('1' or '0'), ...} for identities no longer present anywhere.
 */
const DROP_NODE_SCRIPT = new LuaScript(`
local gone = {}
local dead = ARGV[1]
for _, room in ipairs(redis.call('HKEYS', KEYS[1])) do
  local presence = ARGV[2] .. '{' .. room .. '}:presence'
  local byNode = presence .. '-by-node'
  local fields = redis.call('HGETALL', byNode)
  local lost, elsewhere = {}, {}
  for i = 1, #fields, 2 do
    local node, id = string.match(fields[i], '^([^\\n]*)\\n(.*)$')
    if node == dead then
      lost[id] = tonumber(fields[i + 1])
      redis.call('HDEL', byNode, fields[i])
    elseif node then
      elsewhere[id] = node
    end
  end
  for id, count in pairs(lost) do
    local raw = redis.call('HGET', presence, id)
    if raw then
      local entry = cjson.decode(raw)
      entry.n = entry.n - count
      if entry.n > 0 then
        if entry.node == dead and elsewhere[id] then entry.node = elsewhere[id] end
        redis.call('HSET', presence, id, cjson.encode(entry))
      else
        redis.call('HDEL', presence, id)
        if redis.call('HINCRBY', KEYS[2], room, -1) <= 0 then
          redis.call('HDEL', KEYS[2], room)
          redis.call('ZREM', KEYS[3], room)
        end
        table.insert(gone, room)
        table.insert(gone, id)
        table.insert(gone, entry.name or id)
        table.insert(gone, entry.guest and '1' or '0')
      end
    end
  end
end
redis.call('DEL', KEYS[1])
return gone
`);

/** A (room, participant) pair that is gone from a room. */
export interface Departure extends Participant {
  room: string;
}

/** Who is in which room, across the cluster, by identity. */
export class Presence {
  constructor(private readonly redis: Redis) {}

  /** Counts one more connection of `who` in `room` on `node`; true if the identity just became present. */
  async join(room: string, who: Participant, node: string): Promise<boolean> {
    const extra = [Date.now(), who.user, who.guest ? '1' : '0'];
    return (await this.runMembershipScript(JOIN_SCRIPT, room, who.userId, node, ...extra)) === 1;
  }

  /** One connection fewer; true if the identity is no longer present at all. */
  async leave(room: string, who: Participant, node: string): Promise<boolean> {
    return (await this.runMembershipScript(LEAVE_SCRIPT, room, who.userId, node)) === 1;
  }

  /** Join and leave touch the same keys; one Redis round trip each. */
  private async runMembershipScript(
    script: LuaScript,
    room: string,
    id: string,
    node: string,
    ...extra: Array<string | number>
  ): Promise<number> {
    return script.run<number>(this.redis, presenceScriptKeys(room, node), [room, id, node, ...extra]);
  }

  /** Removes a node's entries; returns the identities that are gone from their rooms. */
  async dropNode(node: string): Promise<Departure[]> {
    const flat = await DROP_NODE_SCRIPT.run<string[]>(
      this.redis,
      [chatKeys.nodeRooms(node), chatKeys.roomMembers, chatKeys.roomDirectory],
      [node, 'ringchat:room:'],
    );
    const gone: Departure[] = [];
    for (let i = 0; i < flat.length; i += 4) {
      gone.push({ room: flat[i], userId: flat[i + 1], user: flat[i + 2], guest: flat[i + 3] === '1' });
    }
    return gone;
  }

  async members(room: string): Promise<Member[]> {
    const raw = await this.redis.hgetall(chatKeys.presence(room));
    return Object.entries(raw)
      .map(([userId, json]): Member => {
        const entry = JSON.parse(json) as { node: string; since: number; name?: string; guest?: boolean };
        return {
          user: entry.name ?? userId,
          userId,
          guest: entry.guest ?? false,
          node: entry.node,
          since: entry.since,
        };
      })
      .sort((a, b) => a.since - b.since || a.user.localeCompare(b.user) || a.userId.localeCompare(b.userId));
  }

  /**
   * One page of the rooms with members, by name, after `cursor`: at most
   * `limit` rooms, whatever the number of rooms (one range read and one HMGET).
   */
  async rooms(limit: number, cursor?: string): Promise<RoomsEvent> {
    const names = await this.redis.zrangebylex(
      chatKeys.roomDirectory,
      cursor === undefined ? '-' : `(${cursor}`,
      '+',
      'LIMIT',
      0,
      limit + 1,
    );
    const page = names.slice(0, limit);
    const counts = page.length > 0 ? await this.redis.hmget(chatKeys.roomMembers, ...page) : [];
    const rooms = page.map((room, i) => ({ room, members: Number(counts[i] ?? 0) }));
    return names.length > limit ? { rooms, next: page[page.length - 1] } : { rooms };
  }

  /** How many identities are in each of `rooms` now (0 for an empty room). */
  async memberCounts(rooms: string[]): Promise<number[]> {
    if (rooms.length === 0) return [];
    const counts = await this.redis.hmget(chatKeys.roomMembers, ...rooms);
    return counts.map((count) => Number(count ?? 0));
  }

  /** Removes the registries of earlier versions, which grew with every room name ever used. */
  async removeLegacyRegistries(node: string): Promise<void> {
    await this.redis.unlink(...chatKeys.legacyRegistries(node));
  }
}
