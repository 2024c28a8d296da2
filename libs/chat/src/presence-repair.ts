import type { Participant } from '@app/chat-protocol';
import { LuaScript, scanKeys, type RedisClient } from '@app/redis';
import { chatKeys } from './chat-keys.js';
import { PresenceRegistries, SETTLE_REGISTRIES } from './presence-registries.js';
import type { LocalShareEntry } from './local-presence.js';

/**
 * Rewrites one node's share of a room's presence to what its connections say,
 * then makes the room's entries follow the by-node counts: an identity is
 * present while some node counts a connection of it. Other nodes' counts are
 * read, never written. Entries without any count (a lost leave, a bogus write)
 * go; this node's identities without an entry (a lost join, a node dropped by
 * mistake) come back.
 * Also sets the registries on one Redis (see presence.ts for the steps around it on a Redis Cluster).
 * KEYS: presence, by-node [, registries].
 * ARGV: room, node, now, node there ('1'/'0'), then per identity: id, connections, name, guest ('1'/'0').
 * Returns {joined, left, members}, joined and left each flat {id, name, guest ('1'/'0'), ...}.
 */
const REWRITE_SHARE_SCRIPT = new LuaScript(`${SETTLE_REGISTRIES}
local room, me, now, here = ARGV[1], ARGV[2], tonumber(ARGV[3]), ARGV[4]
local mine, info = {}, {}
for i = 5, #ARGV, 4 do
  mine[ARGV[i]] = tonumber(ARGV[i + 1])
  info[ARGV[i]] = {name = ARGV[i + 2], guest = ARGV[i + 3] == '1'}
end
local totals = {}
local fields = redis.call('HGETALL', KEYS[2])
for i = 1, #fields, 2 do
  local node, id = string.match(fields[i], '^([^\\n]*)\\n(.*)$')
  if node == me then
    if not mine[id] then redis.call('HDEL', KEYS[2], fields[i]) end
  elseif node then
    totals[id] = (totals[id] or 0) + (tonumber(fields[i + 1]) or 0)
  end
end
for id, n in pairs(mine) do
  redis.call('HSET', KEYS[2], me .. '\\n' .. id, n)
  totals[id] = (totals[id] or 0) + n
end
local joined, left, seen = {}, {}, {}
local entries = redis.call('HGETALL', KEYS[1])
for i = 1, #entries, 2 do
  local id = entries[i]
  seen[id] = true
  local ok, entry = pcall(cjson.decode, entries[i + 1])
  if not ok or type(entry) ~= 'table' then entry = {} end
  local n = totals[id] or 0
  if n <= 0 then
    redis.call('HDEL', KEYS[1], id)
    table.insert(left, id)
    table.insert(left, type(entry.name) == 'string' and entry.name or id)
    table.insert(left, entry.guest == true and '1' or '0')
  else
    local fixed = entry.n ~= n
    entry.n = n
    if type(entry.node) ~= 'string' or redis.call('HEXISTS', KEYS[2], entry.node .. '\\n' .. id) == 0 then
      if mine[id] then entry.node = me; fixed = true end
    end
    if type(entry.since) ~= 'number' then entry.since = now; fixed = true end
    if type(entry.name) ~= 'string' and info[id] then
      entry.name = info[id].name; entry.guest = info[id].guest; fixed = true
    end
    if fixed then redis.call('HSET', KEYS[1], id, cjson.encode(entry)) end
  end
end
for id, n in pairs(mine) do
  if not seen[id] then
    local entry = {n = totals[id], node = me, since = now, name = info[id].name, guest = info[id].guest}
    redis.call('HSET', KEYS[1], id, cjson.encode(entry))
    table.insert(joined, id)
    table.insert(joined, info[id].name)
    table.insert(joined, info[id].guest and '1' or '0')
  end
end
local members = redis.call('HLEN', KEYS[1])
settle(room, here, members)
return {joined, left, members}
`);

/** What a rewrite changed in a room: identities that became present, and those that went. */
export interface ShareRepair {
  room: string;
  joined: Participant[];
  left: Participant[];
}

const NODE_ROOMS_PATTERN = chatKeys.nodeRooms('*');
const [NODE_ROOMS_PREFIX, NODE_ROOMS_SUFFIX] = NODE_ROOMS_PATTERN.split('*');

/** The Redis side of presence repair: a node's share rewritten, and the nodes that hold shares. */
export class PresenceRepair {
  private readonly registries: PresenceRegistries;

  constructor(private readonly redis: RedisClient) {
    this.registries = new PresenceRegistries(redis);
  }

  /**
   * Rewrites `node`'s share of `room` to `share`, then the room's index entry
   * and its directory entry from the result. The script is sent before this
   * returns its promise (no await before it), so it runs after every join and
   * leave sent before the call and before every one sent after it.
   * `nodeStillThere`: whether `node` has connections in `room` now (an empty
   * share is unindexed only if no join came since the snapshot).
   */
  rewriteShare(
    room: string,
    node: string,
    share: LocalShareEntry[],
    nodeStillThere: () => boolean = () => share.length > 0,
  ): Promise<ShareRepair> {
    const args: Array<string | number> = [room, node, Date.now(), share.length > 0 ? '1' : '0'];
    for (const who of share) args.push(who.userId, who.connections, who.user, who.guest ? '1' : '0');
    const { separate, keys } = this.registries.scriptKeys(room, node);
    const indexed = separate && share.length > 0 ? this.registries.indexRoom(node, room) : undefined;
    return REWRITE_SHARE_SCRIPT.run<[string[], string[], number]>(this.redis, keys, args).then(
      async ([joined, left, members]) => {
        if (separate) {
          const unindexed = nodeStillThere() ? undefined : this.registries.unindexRoom(node, room);
          await Promise.all([indexed, unindexed, this.registries.list(room, members)]);
        }
        return { room, joined: participants(joined), left: participants(left) };
      },
    );
  }

  /** The rooms Redis says `node` has connections in. */
  roomsOf(node: string): Promise<string[]> {
    return this.registries.roomsOf(node);
  }

  /** Every node that holds a share of presence somewhere (one index key per node, on any server). */
  async nodesWithShares(): Promise<string[]> {
    const keys = await scanKeys(this.redis, NODE_ROOMS_PATTERN);
    return keys.map((key) => key.slice(NODE_ROOMS_PREFIX.length, key.length - NODE_ROOMS_SUFFIX.length));
  }

  /** Calls `listener` whenever the connection to Redis is ready again; returns the unsubscriber. */
  onReady(listener: () => void): () => void {
    this.redis.on('ready', listener);
    return () => this.redis.off('ready', listener);
  }
}

function participants(flat: string[]): Participant[] {
  const list: Participant[] = [];
  for (let i = 0; i < flat.length; i += 3)
    list.push({ userId: flat[i], user: flat[i + 1], guest: flat[i + 2] === '1' });
  return list;
}
