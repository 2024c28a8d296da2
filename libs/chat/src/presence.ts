import { LuaScript, type RedisClient } from '@app/redis';
import { chatKeys } from './chat-keys.js';
import { PresenceRegistries, SETTLE_REGISTRIES } from './presence-registries.js';
import type { Member, Participant, RoomsEvent } from '@app/chat-protocol';

/*
 * Per room: `presence` maps identity id → {n (connections), node, since, name,
 * guest}; `presence-by-node` maps "node\nid" → connections on that node, so a dead
 * node's share can be removed. Both carry the room's hash tag. An identity is a
 * member while n > 0: two tabs make one member until both leave; two people who
 * picked the same name are two members.
 *
 * Outside the room (PresenceRegistries): each node's index of the rooms it holds
 * a share in, and the directory (room → members, rooms by name). On one Redis
 * the scripts below keep them in the same atomic step (KEYS 3-5, see
 * SETTLE_REGISTRIES). On a Redis Cluster a script may only touch its room's slot,
 * so it gets the room's two keys alone and the caller writes the registries
 * after, one key per command, in this order:
 *   join:  index the room for the node → room script → directory, if newly present
 *   leave: room script → unindex, if the node has no connection left there
 *          → directory, if gone
 *   drop a node's share: read its index → per room: room script → directory
 *          → unindex
 * So a node's index names every room it may hold a share in (an interrupted step
 * leaves at worst an index entry without a share, which costs nothing), and the
 * reconciler repairs the directory: each round rewrites the node's share of each
 * room it is in, was in, or left since the last round, and lists the room with
 * the count its script returns. A drop interrupted halfway is run again by the
 * next round, since the dead node's index still names the rooms left to do.
 */

/**
 * KEYS: presence, by-node [, registries]. ARGV: room, id, node, now, name, guest ('1' or '0').
 * Returns {1 if newly present else 0, members}.
 */
const JOIN_SCRIPT = new LuaScript(`${SETTLE_REGISTRIES}
redis.call('HINCRBY', KEYS[2], ARGV[3] .. '\\n' .. ARGV[2], 1)
local raw = redis.call('HGET', KEYS[1], ARGV[2])
local newly = 0
if raw then
  local entry = cjson.decode(raw)
  entry.n = entry.n + 1
  entry.name = ARGV[5]
  redis.call('HSET', KEYS[1], ARGV[2], cjson.encode(entry))
else
  local entry = {n = 1, node = ARGV[3], since = tonumber(ARGV[4]), name = ARGV[5], guest = ARGV[6] == '1'}
  redis.call('HSET', KEYS[1], ARGV[2], cjson.encode(entry))
  newly = 1
end
local members = redis.call('HLEN', KEYS[1])
settle(ARGV[1], '1', members)
return {newly, members}
`);

/**
 * KEYS as for join. ARGV: room, id, node, node still there ('1' or '0').
 * Returns {1 if no longer present, 0 if still, -1 if unknown; members}.
 */
const LEAVE_SCRIPT = new LuaScript(`${SETTLE_REGISTRIES}
local function leave()
  local field = ARGV[3] .. '\\n' .. ARGV[2]
  local here = tonumber(redis.call('HGET', KEYS[2], field) or '0')
  if here <= 0 then return -1 end
  if here == 1 then redis.call('HDEL', KEYS[2], field) else redis.call('HINCRBY', KEYS[2], field, -1) end
  local raw = redis.call('HGET', KEYS[1], ARGV[2])
  if not raw then return -1 end
  local entry = cjson.decode(raw)
  entry.n = entry.n - 1
  if entry.n > 0 then
    redis.call('HSET', KEYS[1], ARGV[2], cjson.encode(entry))
    return 0
  end
  redis.call('HDEL', KEYS[1], ARGV[2])
  return 1
end
local gone = leave()
local members = redis.call('HLEN', KEYS[1])
settle(ARGV[1], ARGV[4] == '1' and '' or '0', members)
return {gone, members}
`);

/**
 * Removes a node's share of one room (it crashed, or restarted with stale entries).
 * KEYS as for join, the index being the dropped node's. ARGV: room, node.
 * Returns {{id, name, guest ('1' or '0'), ...} of identities no longer present, members}.
 */
const DROP_SHARE_SCRIPT = new LuaScript(`${SETTLE_REGISTRIES}
local dead = ARGV[2]
local fields = redis.call('HGETALL', KEYS[2])
local lost, elsewhere, gone = {}, {}, {}
for i = 1, #fields, 2 do
  local node, id = string.match(fields[i], '^([^\\n]*)\\n(.*)$')
  if node == dead then
    lost[id] = tonumber(fields[i + 1])
    redis.call('HDEL', KEYS[2], fields[i])
  elseif node then
    elsewhere[id] = node
  end
end
for id, count in pairs(lost) do
  local raw = redis.call('HGET', KEYS[1], id)
  if raw then
    local entry = cjson.decode(raw)
    entry.n = entry.n - count
    if entry.n > 0 then
      if entry.node == dead and elsewhere[id] then entry.node = elsewhere[id] end
      redis.call('HSET', KEYS[1], id, cjson.encode(entry))
    else
      redis.call('HDEL', KEYS[1], id)
      table.insert(gone, id)
      table.insert(gone, entry.name or id)
      table.insert(gone, entry.guest and '1' or '0')
    end
  end
end
local members = redis.call('HLEN', KEYS[1])
settle(ARGV[1], '0', members)
return {gone, members}
`);

/** A (room, participant) pair that is gone from a room. */
export interface Departure extends Participant {
  room: string;
}

/** Who is in which room, across the cluster, by identity. */
export class Presence {
  private readonly registries: PresenceRegistries;

  constructor(private readonly redis: RedisClient) {
    this.registries = new PresenceRegistries(redis);
  }

  /** Counts one more connection of `who` in `room` on `node`; true if the identity just became present. */
  async join(room: string, who: Participant, node: string): Promise<boolean> {
    const { separate, keys } = this.registries.scriptKeys(room, node);
    const indexed = separate ? this.registries.indexRoom(node, room) : undefined;
    const [newly, members] = await JOIN_SCRIPT.run<[number, number]>(this.redis, keys, [
      room,
      who.userId,
      node,
      Date.now(),
      who.user,
      who.guest ? '1' : '0',
    ]);
    // Sent in the tick the answer arrives, as leave does: directory writes of a room go out in script order.
    const listed = separate && newly === 1 ? this.registries.list(room, members) : undefined;
    await Promise.all([indexed, listed]);
    return newly === 1;
  }

  /**
   * One connection fewer; true if the identity is no longer present at all.
   * `nodeStillThere`: whether `node` has connections left in `room` (on a Redis
   * Cluster asked once the script has run, so a join sent meanwhile keeps the
   * room in the node's index).
   */
  async leave(room: string, who: Participant, node: string, nodeStillThere: () => boolean): Promise<boolean> {
    const { separate, keys } = this.registries.scriptKeys(room, node);
    const [gone, members] = await LEAVE_SCRIPT.run<[number, number]>(this.redis, keys, [
      room,
      who.userId,
      node,
      nodeStillThere() ? '1' : '0',
    ]);
    if (!separate) return gone === 1;
    const unindexed = nodeStillThere() ? undefined : this.registries.unindexRoom(node, room);
    const listed = gone === 1 ? this.registries.list(room, members) : undefined;
    await Promise.all([unindexed, listed]);
    return gone === 1;
  }

  /** Removes a node's share of every room its index names; returns the identities gone from their rooms. */
  async dropNode(node: string): Promise<Departure[]> {
    const rooms = await this.registries.roomsOf(node);
    const perRoom = await Promise.all(rooms.map((room) => this.dropShare(room, node)));
    return perRoom.flat();
  }

  private async dropShare(room: string, node: string): Promise<Departure[]> {
    const { separate, keys } = this.registries.scriptKeys(room, node);
    const [flat, members] = await DROP_SHARE_SCRIPT.run<[string[], number]>(this.redis, keys, [room, node]);
    if (separate) {
      await this.registries.list(room, members);
      await this.registries.unindexRoom(node, room);
    }
    const gone: Departure[] = [];
    for (let i = 0; i < flat.length; i += 3) {
      gone.push({ room, userId: flat[i], user: flat[i + 1], guest: flat[i + 2] === '1' });
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
    const counts = await this.memberCounts(page);
    const rooms = page.map((room, i) => ({ room, members: counts[i] }));
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
    // One key a command: on a Redis Cluster they live in different slots.
    await Promise.all(chatKeys.legacyRegistries(node).map((key) => this.redis.unlink(key)));
  }
}
