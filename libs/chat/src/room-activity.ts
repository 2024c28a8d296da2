import type { RoomListing } from '@app/chat-protocol';
import { LuaScript, type RedisClient } from '@app/redis';
import { ActivityBatch } from './activity-batch.js';
import { conversationKeys } from './conversation-keys.js';
import { isDirectRoom } from './direct-room-names.js';
import type { DirectRooms } from './direct-rooms.js';

/** Idle rooms looked at per listing for removal: bounded work, whatever their number. */
const PRUNE_BATCH = 100;

/**
 * Removes the given rooms from the activity set unless they were active again
 * since `cutoff` (a join racing the removal keeps its room).
 * KEYS: activity. ARGV: cutoff, rooms...
 */
const PRUNE_SCRIPT = new LuaScript(`
local removed = 0
for i = 2, #ARGV do
  local score = redis.call('ZSCORE', KEYS[1], ARGV[i])
  if score and tonumber(score) <= tonumber(ARGV[1]) then
    removed = removed + redis.call('ZREM', KEYS[1], ARGV[i])
  end
end
return removed
`);

export interface RoomActivityOptions {
  /** An empty room leaves the list this long after its last activity. */
  idleMs: number;
}

/** Member counts of rooms, from presence. */
export type MemberCounts = (rooms: string[]) => Promise<number[]>;

/**
 * When each room was last active (a message, a change, a join or a leave), for
 * the rooms list: public rooms with members or recently active, most recent
 * first; empty rooms age out after `idleMs` (their history stays). Direct
 * rooms are kept per identity instead (DirectRooms), never in the public set.
 */
export class RoomActivity {
  private readonly messages = new ActivityBatch((entries) => this.touchMany(entries), {
    onError: () => undefined,
  });

  constructor(
    private readonly redis: RedisClient,
    private readonly directs: DirectRooms,
    private readonly memberCounts: MemberCounts,
    private readonly options: RoomActivityOptions,
  ) {}

  async touch(room: string, now = Date.now()): Promise<void> {
    if (isDirectRoom(room)) return this.directs.touch(room, now);
    await this.redis.zadd(conversationKeys.roomActivity, 'GT', now, room);
  }

  /**
   * A message in `room`: public rooms are written at most once a second
   * (ActivityBatch; a failed batch is the list's loss only), direct rooms at once.
   */
  async noteMessage(room: string): Promise<void> {
    if (isDirectRoom(room)) return this.directs.touch(room);
    this.messages.note(room);
  }

  /** Several public rooms' activity in one command. */
  private async touchMany(entries: Array<[room: string, at: number]>): Promise<void> {
    const args = entries.flatMap(([room, at]) => [at, room]);
    if (args.length > 0) await this.redis.zadd(conversationKeys.roomActivity, 'GT', ...args);
  }

  /** The rooms list of `userId`: public rooms and its own direct rooms, most recent first. */
  async listFor(userId: string, limit: number, now = Date.now()): Promise<RoomListing[]> {
    const [open, directs] = await Promise.all([
      this.publicRooms(limit, now),
      this.directs.listFor(userId, limit),
    ]);
    const directCounts = await this.memberCounts(directs.map((direct) => direct.room));
    const listings: RoomListing[] = [
      ...open,
      ...directs.map(({ room, peer, lastActivity }, i) => ({
        room,
        members: directCounts[i],
        lastActivity,
        direct: peer,
      })),
    ];
    return listings
      .sort((a, b) => b.lastActivity - a.lastActivity || a.room.localeCompare(b.room))
      .slice(0, limit);
  }

  /** Public rooms with members or active since the idle cutoff, most recent first. */
  private async publicRooms(limit: number, now: number): Promise<RoomListing[]> {
    const cutoff = now - this.options.idleMs;
    await this.pruneIdle(cutoff);
    const flat = await this.redis.zrevrange(conversationKeys.roomActivity, 0, limit - 1, 'WITHSCORES');
    const rooms: string[] = [];
    const scores: number[] = [];
    for (let i = 0; i < flat.length; i += 2) {
      rooms.push(flat[i]);
      scores.push(Number(flat[i + 1]));
    }
    const counts = await this.memberCounts(rooms);
    return rooms
      .map((room, i) => ({ room, members: counts[i], lastActivity: scores[i] }))
      .filter((listing) => listing.members > 0 || listing.lastActivity > cutoff);
  }

  /** Empty rooms idle since before the cutoff leave the set, a batch at a time. */
  private async pruneIdle(cutoff: number): Promise<void> {
    const idle = await this.redis.zrangebyscore(
      conversationKeys.roomActivity,
      '-inf',
      cutoff,
      'LIMIT',
      0,
      PRUNE_BATCH,
    );
    if (idle.length === 0) return;
    const counts = await this.memberCounts(idle);
    const empty = idle.filter((_, i) => counts[i] === 0);
    if (empty.length > 0)
      await PRUNE_SCRIPT.run(this.redis, [conversationKeys.roomActivity], [cutoff, ...empty]);
  }
}
