import type { Log } from '@app/logging';
import type { ChannelSubscriber } from '@app/redis';
import { chatKeys } from './chat-keys.js';
import { compareMessageIds, type ChatMessageEvent } from '@app/chat-protocol';
import type { RoomDelivery } from './room-delivery.js';
import { RoomSubscriptions } from './room-subscriptions.js';
import { RoomWatermarks } from './room-watermarks.js';

/** Delivers one message to this node's members of its room (encoded once), but those in `skip`. */
export type LocalRoomDelivery = (message: ChatMessageEvent, skip: readonly string[]) => void;

/** Reads a room's stream past `after`, a bounded part at a time (`more`: there is more past the last one). */
export type RoomReader = (
  room: string,
  after: string,
) => Promise<{ messages: ChatMessageEvent[]; more: boolean }>;

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
 *
 * While the subscriber connection is down, what Redis publishes is lost to
 * this node. When it is back (see `recover`), each room held here is read
 * past what its members are known to have, and the rest handed to them.
 */
export class RoomFanout {
  private readonly syncs = new Map<string, Set<RoomSync>>();
  /** Per room: members just caught up, and the last id they had. */
  private readonly caughtUp = new Map<string, Map<string, string>>();
  private readonly delivery: RoomDelivery;
  private readonly subscriptions: RoomSubscriptions;
  private readonly marks = new RoomWatermarks();
  /** Per room: the newest message a recovery handed out; a live copy up to it came already. */
  private readonly recoveredUpTo = new Map<string, string>();
  private deliver: LocalRoomDelivery = () => undefined;
  private received = 0;

  constructor(
    private readonly subscriber: ChannelSubscriber,
    private readonly log: Log,
    options: RoomFanoutOptions = {},
  ) {
    this.delivery = options.delivery ?? ROOM_FANOUT_DEFAULTS.delivery;
    const lingerMs = options.lingerMs ?? ROOM_FANOUT_DEFAULTS.lingerMs;
    this.subscriptions = new RoomSubscriptions(subscriber, lingerMs, log, (channel) => {
      const room = chatKeys.roomOfChannel(channel);
      this.marks.forget(room);
      this.recoveredUpTo.delete(room);
    });
  }

  /** Room messages received from Redis since start (the cost of delivery to this node). */
  get roomMessagesReceived(): number {
    return this.received;
  }

  /** Room channels subscribed to (including lingering ones); 1 with broadcast delivery. */
  get roomChannels(): number {
    return this.delivery === 'room' ? this.subscriptions.size : 1;
  }

  /** `read`: how a recovery reads a room after the subscriber reconnects (room delivery only). */
  async start(deliver: LocalRoomDelivery, read?: RoomReader): Promise<void> {
    this.deliver = deliver;
    if (read && this.delivery === 'room') this.subscriber.onReconnect(() => void this.recover(read));
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
    // Kept per held room channel (and forgotten with it): room delivery only.
    if (this.delivery === 'room') this.marks.caughtUp(sync.room, caughtUp.upTo);
    let members = this.caughtUp.get(sync.room);
    if (!members) this.caughtUp.set(sync.room, (members = new Map()));
    members.set(caughtUp.member, caughtUp.upTo);
  }

  /** Stops lingering; the connection closing ends the subscriptions themselves. */
  stop(): void {
    this.subscriptions.clear();
    this.caughtUp.clear();
    this.recoveredUpTo.clear();
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
    if (!this.recoveredAlready(message)) this.receive(message);
  }

  /** Hands a message to this node's members of its room, and to the clients entering it. */
  private receive(message: ChatMessageEvent): void {
    for (const sync of this.syncs.get(message.room) ?? []) sync.buffer.push(message);
    if (this.delivery === 'room') this.marks.delivered(message.room, message.id);
    this.deliver(message, this.alreadyHad(message));
  }

  /** A live copy of what a recovery handed out; the first one past it ends the watch (stream order). */
  private recoveredAlready(message: ChatMessageEvent): boolean {
    const upTo = this.recoveredUpTo.get(message.room);
    if (upTo === undefined) return false;
    if (compareMessageIds(message.id, upTo) <= 0) return true;
    this.recoveredUpTo.delete(message.room);
    return false;
  }

  /**
   * The subscriber is connected again after a loss: for each room held here,
   * once its channel is confirmed subscribed again (so later messages come
   * live), the stream past the room's mark is read and handed out in order.
   */
  private async recover(read: RoomReader): Promise<void> {
    const rooms = this.subscriptions.held().map((channel) => chatKeys.roomOfChannel(channel));
    const counts = await Promise.all(
      rooms.map((room) =>
        this.recoverRoom(room, read).catch((error: Error) => {
          // Its members notice the gap at the room's next message (`prev`) and fetch it themselves.
          this.log.warn(`could not read ${room} after the room subscriber reconnected: ${error.message}`);
          return 0;
        }),
      ),
    );
    const handed = counts.reduce((sum, count) => sum + count, 0);
    const line = `room subscriber reconnected: ${rooms.length} rooms read again, ${handed} messages stored meanwhile handed out`;
    // A node with no room held has nothing to say at info level.
    if (rooms.length > 0) this.log.info(line);
    else this.log.debug(line);
  }

  private async recoverRoom(room: string, read: RoomReader): Promise<number> {
    await this.subscriptions.resubscribe(chatKeys.roomChannel(room));
    let after = this.marks.since(room);
    let handed = 0;
    while (after !== undefined) {
      const { messages, more } = await read(room, after);
      for (const message of messages) {
        // Not behind what came live meanwhile: members missing older ones see the gap (`prev`) and fetch it.
        const known = this.marks.since(room);
        if (known !== undefined && compareMessageIds(message.id, known) <= 0) continue;
        this.recoveredUpTo.set(room, message.id);
        this.receive(message);
        handed += 1;
      }
      after = more ? messages.at(-1)?.id : undefined;
    }
    return handed;
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
