import type { ChatObserver } from '@app/chat';

export interface RoomActivity {
  room: string;
  /** Messages stored in the window (on this node, or cluster-wide once summed). */
  messages: number;
  /** Deliveries to connections in the window. */
  deliveries: number;
}

export interface ActivitySnapshot {
  /** Messages stored per second, over the rate window. */
  messagesPerSec: number;
  /** Messages handed to connections per second (one per recipient), over the rate window. */
  deliveriesPerSec: number;
  /** The busiest rooms of the activity window, by messages then deliveries. */
  rooms: RoomActivity[];
}

export interface NodeActivityOptions {
  /** Rates are averaged over this long. @default 10000 */
  rateWindowMs?: number;
  /** Rooms are ranked over this long (two half windows, so between one half and the whole). @default 60000 */
  roomWindowMs?: number;
  /** Rooms tracked per half window; beyond, a new room is counted in the rates only. @default 1000 */
  maxRooms?: number;
  /** Rooms reported. @default 10 */
  topRooms?: number;
  /** @default Date.now */
  now?: () => number;
}

interface Sample {
  at: number;
  stored: number;
  delivered: number;
}

/**
 * What the admin view shows of one node's chat: message and delivery rates and
 * its busiest rooms. Fed as a ChatObserver (stored, delivered); bounded in
 * memory whatever the number of rooms.
 */
export class NodeActivity implements Pick<ChatObserver, 'stored' | 'delivered'> {
  private storedCount = 0;
  private deliveredCount = 0;
  private samples: Sample[] = [];
  private current = new Map<string, RoomActivity>();
  private previous = new Map<string, RoomActivity>();
  private halfStartedAt: number;
  private readonly options: Required<NodeActivityOptions>;

  constructor(options: NodeActivityOptions = {}) {
    this.options = {
      rateWindowMs: 10_000,
      roomWindowMs: 60_000,
      maxRooms: 1000,
      topRooms: 10,
      now: Date.now,
      ...options,
    };
    this.halfStartedAt = this.options.now();
  }

  stored(room: string, duplicate: boolean): void {
    if (duplicate) return;
    this.storedCount++;
    const activity = this.roomEntry(room);
    if (activity) activity.messages++;
  }

  delivered(room: string, recipients: number): void {
    this.deliveredCount += recipients;
    const activity = this.roomEntry(room);
    if (activity) activity.deliveries += recipients;
  }

  /** Takes a sample now and reports; call it at a steady pace (each stats publication). */
  snapshot(): ActivitySnapshot {
    const now = this.options.now();
    this.rotate(now);
    this.samples.push({ at: now, stored: this.storedCount, delivered: this.deliveredCount });
    while (this.samples.length > 2 && now - this.samples[1].at >= this.options.rateWindowMs)
      this.samples.shift();
    const first = this.samples[0];
    const seconds = (now - first.at) / 1000;
    const rate = (delta: number): number => (seconds > 0 ? round(delta / seconds) : 0);
    return {
      messagesPerSec: rate(this.storedCount - first.stored),
      deliveriesPerSec: rate(this.deliveredCount - first.delivered),
      rooms: topRooms([[...this.previous.values()], [...this.current.values()]], this.options.topRooms),
    };
  }

  private roomEntry(room: string): RoomActivity | undefined {
    this.rotate(this.options.now());
    let activity = this.current.get(room);
    if (!activity && this.current.size < this.options.maxRooms) {
      activity = { room, messages: 0, deliveries: 0 };
      this.current.set(room, activity);
    }
    return activity;
  }

  private rotate(now: number): void {
    const half = this.options.roomWindowMs / 2;
    if (now - this.halfStartedAt < half) return;
    // A whole window of silence empties both halves.
    this.previous = now - this.halfStartedAt < 2 * half ? this.current : new Map();
    this.current = new Map();
    this.halfStartedAt = now;
  }
}

/** Sums rooms over several lists (halves of a window, or nodes) and keeps the busiest `count`. */
export function topRooms(lists: RoomActivity[][], count: number): RoomActivity[] {
  const sums = new Map<string, RoomActivity>();
  for (const activity of lists.flat()) {
    const sum = sums.get(activity.room) ?? { room: activity.room, messages: 0, deliveries: 0 };
    sum.messages += activity.messages;
    sum.deliveries += activity.deliveries;
    sums.set(activity.room, sum);
  }
  return [...sums.values()]
    .sort((a, b) => b.messages - a.messages || b.deliveries - a.deliveries || a.room.localeCompare(b.room))
    .slice(0, count);
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
