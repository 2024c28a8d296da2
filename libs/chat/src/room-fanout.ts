import type { Log } from '@app/logging';
import type { ChannelSubscriber } from '@app/redis';
import { chatKeys } from './chat-keys.js';
import { compareMessageIds, type ChatMessageEvent } from '@app/chat-protocol';
import type { RoomDelivery } from './room-delivery.js';
import { RoomSubscriptions } from './room-subscriptions.js';

/** Delivers one message to this node's members of its room (encoded once), but those in `skip`. */
export type LocalRoomDelivery = (message: ChatMessageEvent, skip: readonly string[]) => void;

/** A member brought up to date: it has had its room's messages up to `upTo`. */
export interface CaughtUp {
  /** The member's id (its socket). */
  member: string;
  upTo: string;
}

/** Messages that arrived for a room while one client was being brought up to date. */
export interface RoomSync {
  readonly room: string;
  readonly buffer: ChatMessageEvent[];
}

export interface RoomFanoutOptions {
  /** A channel per room, subscribed while this node has members there, or one channel for all. @default 'room' */
  delivery?: RoomDelivery;
  /**
   * How long a room's channel stays subscribed after its last local member
   * left: a reload or a reconnect within it re-enters without a round trip.
   * @default 2000
   */
  lingerMs?: number;
}

export const ROOM_FANOUT_DEFAULTS = { delivery: 'room', lingerMs: 2000 } as const;

/**
 * Hands each stored message, in stream order, to this node's members of its
 * room. With room delivery the node receives a room's channel only while it
 * holds the room (a local member, or a client entering it), so a room whose
 * members are all elsewhere costs this node nothing; with broadcast delivery it
 * receives every room's messages on one channel.
 *
 * A client that is joining or resuming is not a member yet: what arrives
 * meanwhile is buffered for it, so it gets its history first and then the live
 * messages, with no gap and nothing twice. `beginSync` settles only once the
 * room's channel is confirmed subscribed, so the history read after it
 * overlaps the live messages instead of missing some.
 *
 * The overlap has a second edge: the history answer and the channel come on
 * two connections, so the node may read the answer before a message that
 * Redis published before it (and which the answer holds). `endSync` therefore
 * records how far the member got; such a late message is not delivered to it.
 * The first message past that mark ends the watch: the channel is in stream
 * order, so nothing older follows.
 */
export class RoomFanout {
  private readonly syncs = new Map<string, Set<RoomSync>>();
  /** Per room: members just caught up, and the last id they had. */
  private readonly caughtUp = new Map<string, Map<string, string>>();
  private readonly delivery: RoomDelivery;
  private readonly subscriptions: RoomSubscriptions;
  private deliver: LocalRoomDelivery = () => undefined;
  private received = 0;

  constructor(
    private readonly subscriber: ChannelSubscriber,
    private readonly log: Log,
    options: RoomFanoutOptions = {},
  ) {
    this.delivery = options.delivery ?? ROOM_FANOUT_DEFAULTS.delivery;
    const lingerMs = options.lingerMs ?? ROOM_FANOUT_DEFAULTS.lingerMs;
    this.subscriptions = new RoomSubscriptions(subscriber, lingerMs, log);
  }

  /** Room messages received from Redis since start (the cost of delivery to this node). */
  get roomMessagesReceived(): number {
    return this.received;
  }

  /** Room channels subscribed to (including lingering ones); 1 with broadcast delivery. */
  get roomChannels(): number {
    return this.delivery === 'room' ? this.subscriptions.size : 1;
  }

  async start(deliver: LocalRoomDelivery): Promise<void> {
    this.deliver = deliver;
    // The subscriber may be shared with the cluster, which listens on its own channels.
    this.subscriber.onMessage((channel, raw) => {
      if (this.isMessageChannel(channel)) this.onMessage(raw);
    });
    if (this.delivery === 'broadcast') await this.subscriber.subscribe(chatKeys.messageChannel);
  }

  /** A local member entered `room`, or a client is entering it: receive the room. */
  hold(room: string): void {
    if (this.delivery === 'room') this.subscriptions.hold(chatKeys.roomChannel(room));
  }

  /** What `hold` took, for `member`: the last release of a room unsubscribes it (after the linger). */
  release(room: string, member: string): void {
    this.forgetCaughtUp(room, member);
    if (this.delivery === 'room') this.subscriptions.release(chatKeys.roomChannel(room));
  }

  /**
   * Starts buffering a room's messages for one client, and settles once the
   * room's messages reach this node; read the history after it. The room must
   * be held. On failure nothing is left buffering.
   */
  async beginSync(room: string): Promise<RoomSync> {
    const sync: RoomSync = { room, buffer: [] };
    let set = this.syncs.get(room);
    if (!set) this.syncs.set(room, (set = new Set()));
    set.add(sync);
    if (this.delivery === 'broadcast') return sync;
    try {
      await this.subscriptions.confirmed(chatKeys.roomChannel(room));
    } catch (error) {
      this.endSync(sync);
      throw error;
    }
    return sync;
  }

  /** Ends a sync; `caughtUp` when its member has joined the room, having had the messages up to an id. */
  endSync(sync: RoomSync, caughtUp?: CaughtUp): void {
    const set = this.syncs.get(sync.room);
    set?.delete(sync);
    if (set?.size === 0) this.syncs.delete(sync.room);
    if (!caughtUp) return;
    let members = this.caughtUp.get(sync.room);
    if (!members) this.caughtUp.set(sync.room, (members = new Map()));
    members.set(caughtUp.member, caughtUp.upTo);
  }

  /** Stops lingering; the connection closing ends the subscriptions themselves. */
  stop(): void {
    this.subscriptions.clear();
    this.caughtUp.clear();
  }

  private isMessageChannel(channel: string): boolean {
    return this.delivery === 'room' ? chatKeys.isRoomChannel(channel) : channel === chatKeys.messageChannel;
  }

  private onMessage(raw: string): void {
    this.received += 1;
    let message: ChatMessageEvent;
    try {
      message = JSON.parse(raw) as ChatMessageEvent;
    } catch {
      this.log.warn('ignored a malformed message on a room channel');
      return;
    }
    for (const sync of this.syncs.get(message.room) ?? []) sync.buffer.push(message);
    this.deliver(message, this.alreadyHad(message));
  }

  /** The members that had `message` in their history; the others are past their mark from now on. */
  private alreadyHad(message: ChatMessageEvent): string[] {
    const members = this.caughtUp.get(message.room);
    if (!members) return [];
    const had: string[] = [];
    for (const [member, upTo] of members) {
      if (compareMessageIds(message.id, upTo) <= 0) had.push(member);
      else members.delete(member);
    }
    if (members.size === 0) this.caughtUp.delete(message.room);
    return had;
  }

  private forgetCaughtUp(room: string, member: string): void {
    const members = this.caughtUp.get(room);
    members?.delete(member);
    if (members?.size === 0) this.caughtUp.delete(room);
  }
}
