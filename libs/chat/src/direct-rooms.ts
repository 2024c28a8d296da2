import type { RedisClient } from '@app/redis';
import type { Participant } from '@app/chat-protocol';
import { conversationKeys } from './conversation-keys.js';
import { directRoomName, isDirectRoom } from './direct-room-names.js';

/** Pairs kept in memory at most (a pair never changes, so a cached one is never stale). */
const PAIR_CACHE_MAX = 10_000;

/** One of an identity's direct rooms: the other person and the last activity. */
export interface DirectListing {
  room: string;
  peer: Participant;
  lastActivity: number;
}

/**
 * Direct rooms: the pair of identities of each (stored beside the room), and
 * per identity its direct rooms by last activity. Only the pair may enter one;
 * nobody else sees it listed. Commands touch one key each (RedisClient Cluster).
 */
export class DirectRooms {
  private readonly pairs = new Map<string, readonly string[]>();

  constructor(private readonly redis: RedisClient) {}

  /** Creates (or finds) the room of `opener` and `peer`, and moves it to the top of both lists. */
  async open(opener: Participant, peer: Participant, now = Date.now()): Promise<string> {
    const room = directRoomName(opener.userId, peer.userId);
    const key = conversationKeys.direct(room);
    await Promise.all([
      this.redis.hset(key, 'pair', JSON.stringify([opener.userId, peer.userId].sort())),
      this.redis.hset(key, `name:${opener.userId}`, opener.user),
      // The opener's word for the other's name holds only until that person says theirs.
      this.redis.hsetnx(key, `name:${peer.userId}`, peer.user),
    ]);
    await this.touch(room, now);
    return room;
  }

  /** Whether `opener` may open the room with `peer`: it has one already, or fewer than `max` in all. */
  async mayOpen(opener: string, peer: string, max: number): Promise<boolean> {
    const room = directRoomName(opener, peer);
    const key = conversationKeys.directsOf(opener);
    const [count, existing] = await Promise.all([this.redis.zcard(key), this.redis.zscore(key, room)]);
    return existing !== null || count < max;
  }

  /** Whether `userId` may enter `room`: any public room, or a direct room of its own. */
  async mayEnter(userId: string, room: string): Promise<boolean> {
    if (!isDirectRoom(room)) return true;
    return (await this.pair(room))?.includes(userId) ?? false;
  }

  /** A member of the pair entered: its own name labels the room for the other from now on. */
  async noteName(room: string, who: Participant): Promise<void> {
    await this.redis.hset(conversationKeys.direct(room), `name:${who.userId}`, who.user);
  }

  /** Something happened in a direct room: it moves up in both lists. */
  async touch(room: string, now = Date.now()): Promise<void> {
    const pair = await this.pair(room);
    if (!pair) return;
    await Promise.all(pair.map((id) => this.redis.zadd(conversationKeys.directsOf(id), 'GT', now, room)));
  }

  /** An identity's direct rooms, most recently active first. */
  async listFor(userId: string, limit: number): Promise<DirectListing[]> {
    const flat = await this.redis.zrevrange(conversationKeys.directsOf(userId), 0, limit - 1, 'WITHSCORES');
    const listings: Array<Promise<DirectListing | undefined>> = [];
    for (let i = 0; i < flat.length; i += 2) {
      const [room, score] = [flat[i], Number(flat[i + 1])];
      listings.push(this.peerOf(room, userId).then((peer) => peer && { room, peer, lastActivity: score }));
    }
    return (await Promise.all(listings)).filter((listing) => listing !== undefined);
  }

  /** The other person of a direct room, as `userId` sees them. */
  async peerOf(room: string, userId: string): Promise<Participant | undefined> {
    const record = await this.redis.hgetall(conversationKeys.direct(room));
    if (!record.pair) return undefined;
    const pair = JSON.parse(record.pair) as string[];
    const peer = pair.find((id) => id !== userId) ?? userId;
    return { userId: peer, user: record[`name:${peer}`] ?? peer, guest: peer.startsWith('g_') };
  }

  private async pair(room: string): Promise<readonly string[] | undefined> {
    const cached = this.pairs.get(room);
    if (cached) return cached;
    const raw = await this.redis.hget(conversationKeys.direct(room), 'pair');
    if (!raw) return undefined;
    const pair = JSON.parse(raw) as string[];
    if (this.pairs.size >= PAIR_CACHE_MAX) this.pairs.clear();
    this.pairs.set(room, pair);
    return pair;
  }
}
