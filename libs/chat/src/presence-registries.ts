import { isClusterClient, type RedisClient } from '@app/redis';
import { chatKeys, roomPresenceKeys } from './chat-keys.js';

/**
 * Lua: `settle(room, nodeHere, members)` sets the registries from a room's new
 * state when the script was given their keys (KEYS: …, node index, room members,
 * directory): the index entry to `nodeHere` ('1' set, '0' removed, '' unchanged),
 * the directory entry to `members`. Without them (Redis Cluster) it does nothing.
 */
export const SETTLE_REGISTRIES = `
local function settle(room, nodeHere, members)
  if #KEYS < 5 then return end
  if nodeHere == '1' then redis.call('HSET', KEYS[3], room, 1)
  elseif nodeHere == '0' then redis.call('HDEL', KEYS[3], room) end
  if members > 0 then
    redis.call('HSET', KEYS[4], room, members)
    redis.call('ZADD', KEYS[5], 0, room)
  else
    redis.call('HDEL', KEYS[4], room)
    redis.call('ZREM', KEYS[5], room)
  end
end
`;

/**
 * The presence registries outside a room's hash slot. On one Redis the room's
 * scripts write them in the same step; on a Redis Cluster they are written
 * around the room's script (see presence.ts for the order), one key per
 * command so no step spans slots:
 * - each node's index of the rooms it holds a share in, which lets the others
 *   find a dead node's shares, and the node itself its leftovers after a restart;
 * - the directory: room → members, and the rooms with members by name.
 * Every write sets a value read from the room's script, never an increment, so
 * writing again (reconciliation) repairs whatever an interrupted step left.
 */
export class PresenceRegistries {
  /** Written in steps of their own (Redis Cluster) rather than by the room's scripts. */
  readonly separate: boolean;

  constructor(private readonly redis: RedisClient) {
    this.separate = isClusterClient(redis);
  }

  /**
   * The KEYS of a script on `room`'s presence for `node`: the room's two keys,
   * then, on one Redis, the node's index and the directory for SETTLE_REGISTRIES.
   */
  scriptKeys(room: string, node: string): { separate: boolean; keys: string[] } {
    const keys = roomPresenceKeys(room);
    if (!this.separate) keys.push(chatKeys.nodeRooms(node), chatKeys.roomMembers, chatKeys.roomDirectory);
    return { separate: this.separate, keys };
  }

  /** `node` may hold a share of `room`: written before the share itself. */
  async indexRoom(node: string, room: string): Promise<void> {
    await this.redis.hset(chatKeys.nodeRooms(node), room, 1);
  }

  /** `node` holds no share of `room` any more: written after the share is gone. */
  async unindexRoom(node: string, room: string): Promise<void> {
    await this.redis.hdel(chatKeys.nodeRooms(node), room);
  }

  /** The rooms `node`'s index names. */
  roomsOf(node: string): Promise<string[]> {
    return this.redis.hkeys(chatKeys.nodeRooms(node));
  }

  /** Lists `room` with `members` in the directory, or removes it at 0. */
  async list(room: string, members: number): Promise<void> {
    if (members > 0) {
      await Promise.all([
        this.redis.hset(chatKeys.roomMembers, room, members),
        this.redis.zadd(chatKeys.roomDirectory, 0, room),
      ]);
    } else {
      await Promise.all([
        this.redis.hdel(chatKeys.roomMembers, room),
        this.redis.zrem(chatKeys.roomDirectory, room),
      ]);
    }
  }
}
