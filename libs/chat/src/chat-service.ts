import type { Namespace, Socket } from 'socket.io';
import {
  ChatEvent,
  compareMessageIds,
  ErrorCode,
  type ChatAck,
  type ChatMessageEvent,
  type ClientToServerEvents,
  type HistoryEvent,
  type MembersEvent,
  type Participant,
  type Refusal,
  type RefreshTokenAnswer,
  type ResumeAnswer,
  type RoomEvent,
  type RoomsEvent,
  type SendAnswer,
  type ServerToClientEvents,
  type SessionEvent,
} from '@app/chat-protocol';
import { IdentityError, type Identity, type IdentityResolver } from '@app/identity';
import type { Log } from '@app/logging';
import { NO_CHAT_OBSERVER, type ChatObserver } from './chat-observer.js';
import type { ResolvedChatOptions } from './chat-options.js';
import {
  checkChatMessage,
  checkHistoryRequest,
  checkResume,
  checkRoomRequest,
  checkRoomsRequest,
} from './chat-validation.js';
import type { Conversation } from './conversation.js';
import { isDirectRoom } from './direct-room-names.js';
import { connectionFields, remoteAddressOf, sessionIdOf } from './connection-fields.js';
import { dropForRetry } from './drop-for-retry.js';
import { identifyHandshake, participantOf, refusalOf } from './handshake-identity.js';
import { LocalPresence } from './local-presence.js';
import { liveEventOf } from './message-edits.js';
import type { Presence } from './presence.js';
import { PresenceReconciler } from './presence-reconciler.js';
import type { PresenceRepair, ShareRepair } from './presence-repair.js';
import { admissionRefusal } from './room-admission.js';
import type { CaughtUp, RoomFanout } from './room-fanout.js';
import { RequestFailures } from './request-failures.js';
import type { AnswerLimits, RoomHistory } from './room-history.js';
import { SerialQueue } from './serial-queue.js';
import { TokenBucket } from './token-bucket.js';
import { TokenDeadline } from './token-deadline.js';

/** What the chat keeps on each socket. */
export interface ChatSocketData {
  /** Who this connection is, fixed at the handshake: no event can change it. */
  identity: Identity;
  /** The identity's display name (for logs). */
  user: string;
  /** Guest mode: the token the client keeps to stay this guest. */
  guestToken?: string;
  /** Token users: the warning and the close ahead of the token's expiry. */
  deadline?: TokenDeadline;
  /** Rooms joined or being joined: the rooms this connection may post to. */
  rooms: Set<string>;
  bucket: TokenBucket;
  /** Room operations and reads, one at a time (see QUEUED_EVENTS). */
  queue: SerialQueue;
}
/** Nodes exchange no events of their own through the adapter. */
type NoInterServerEvents = Record<string, never>;
export type ChatNamespace = Namespace<
  ClientToServerEvents,
  ServerToClientEvents,
  NoInterServerEvents,
  ChatSocketData
>;
export type ChatSocket = Socket<
  ClientToServerEvents,
  ServerToClientEvents,
  NoInterServerEvents,
  ChatSocketData
>;
/** The ack a client passed with its event, if any. */
export type Ack<T extends object = object> = ((answer: ChatAck<T>) => void) | undefined;
type AnyAck = (answer: object) => void;

function isAck(value: unknown): value is AnyAck {
  return typeof value === 'function';
}

/**
 * Events that read or change rooms in Redis: each connection's run one at a
 * time, in order, so one client has at most one such request in flight however
 * fast it sends them. Sends are not queued: they are small and bounded by size.
 */
const QUEUED_EVENTS: ReadonlySet<string> = new Set([
  ChatEvent.JoinRoom,
  ChatEvent.LeaveRoom,
  ChatEvent.History,
  ChatEvent.Resume,
  ChatEvent.Members,
  ChatEvent.Rooms,
  ChatEvent.RoomList,
  ChatEvent.OpenDirect,
]);

/**
 * The chat protocol on one node: membership, messages, history, resume and
 * presence. Messages are stored before anyone sees them; everyone sees them in
 * stream order through the RoomFanout.
 */
export class ChatService {
  private namespace!: ChatNamespace;
  private readonly failures = new RequestFailures();
  /** This node's share of presence, as sent to Redis: what reconciliation rewrites it to. */
  private readonly local = new LocalPresence();
  private readonly reconciler: PresenceReconciler;
  /** Who counts what the chat does (see `observe`). */
  private observer: ChatObserver = NO_CHAT_OBSERVER;

  constructor(
    private readonly options: ResolvedChatOptions,
    private readonly history: RoomHistory,
    private readonly fanout: RoomFanout,
    private readonly presence: Presence,
    repair: PresenceRepair,
    private readonly log: Log,
    private readonly identities: IdentityResolver,
    /** Edits, typing, the rooms list and direct rooms. */
    private readonly conversation: Conversation,
  ) {
    for (const [event, handler] of conversation.handlers()) this.handlers.set(event, handler);
    this.reconciler = new PresenceReconciler(
      repair,
      this.local,
      { node: options.nodeId, intervalMs: options.presenceReconcileMs },
      {
        announce: (change) => this.announceRepair(change),
        dropNode: (node) => this.onNodeGone(node),
        log,
        onRound: (repaired) => this.observer.reconciled(repaired),
      },
    );
  }

  /** Plugs in whoever counts messages, deliveries, reads and refusals (a node's metrics). */
  observe(observer: ChatObserver): void {
    this.observer = observer;
  }

  bind(namespace: ChatNamespace): void {
    this.namespace = namespace;
    this.conversation.bind(namespace, {
      refuse: (socket, ack, event, refusal) => this.refuse(socket, ack, event, refusal),
      isMemberOnceEntered: (socket, room) => this.isMemberOnceEntered(socket, room),
    });
  }

  /** Starts receiving room messages; clears presence a previous run of this node left behind. */
  async start(): Promise<void> {
    await this.fanout.start(
      (message, skip) => this.deliverLocally(message, skip),
      // After the room subscriber reconnects: what was stored while it was down.
      (room, after) => this.history.after(room, after, this.answerLimits()),
    );
    await this.presence.removeLegacyRegistries(this.options.nodeId);
    await this.onNodeGone(this.options.nodeId);
    this.reconciler.start();
  }

  stop(): void {
    this.reconciler.stop();
    this.fanout.stop();
  }

  /** Room messages this node received from Redis, and the room channels it listens on. */
  deliveryStats(): { roomMessagesReceived: number; roomChannels: number } {
    return { roomMessagesReceived: this.fanout.roomMessagesReceived, roomChannels: this.fanout.roomChannels };
  }

  /** The cluster's members, so reconciliation can remove the shares of nodes that left. */
  watchNodes(liveNodes: () => Iterable<string>): void {
    this.reconciler.watchNodes(liveNodes);
  }

  /** Handshake check: the identity is fixed here; no event can claim another. */
  async authenticate(socket: ChatSocket): Promise<Refusal | undefined> {
    const { auth, query } = socket.handshake;
    const resolved = await identifyHandshake(this.identities, { auth, query });
    if (!resolved.ok) {
      this.observer.refused(resolved.code);
      return { error: resolved.error, code: resolved.code };
    }
    const { identity, guestToken } = resolved.value;
    socket.data.identity = identity;
    socket.data.user = identity.name;
    socket.data.guestToken = guestToken;
    socket.data.rooms = new Set();
    socket.data.bucket = new TokenBucket(this.options.ratePerSecond, this.options.rateBurst);
    socket.data.queue = new SerialQueue(this.options.requestQueueMax);
    return undefined;
  }

  async onConnect(socket: ChatSocket, sid: string): Promise<void> {
    const { identity, guestToken } = socket.data;
    const transport = socket.conn.transport.name;
    const address = remoteAddressOf(socket);
    this.log.info(`${socket.data.user} connected (sid ${sid}, ${transport}, from ${address})`, {
      ...connectionFields(socket),
      transport,
      address,
    });
    socket.once('disconnect', (reason) =>
      this.log.info(`${socket.data.user} disconnected (sid ${sid}): ${reason}`, {
        ...connectionFields(socket),
        reason,
      }),
    );
    const session: SessionEvent = { ...participantOf(identity), node: this.options.nodeId, sid };
    if (guestToken) session.guestToken = guestToken;
    if (identity.expiresAt !== undefined) session.expiresAt = identity.expiresAt;
    if (identity.rooms) session.rooms = identity.rooms.toJSON();
    socket.emit(ChatEvent.Session, session);
    if (identity.expiresAt !== undefined) this.watchExpiry(socket, identity.expiresAt);
    socket.use((packet) => this.dispatch(socket, packet));
    this.conversation.onConnect(socket).catch((error: Error) => {
      this.log.warn(`rooms list of ${socket.data.user} at connect failed: ${error.message}`);
    });
    // A reconnecting client may name its rooms and last ids in the handshake;
    // queued first, so what it asks next waits for its rooms. It pays per room.
    const resume = socket.handshake.auth?.rooms;
    if (resume === undefined) return;
    socket.data.queue.push(() =>
      this.resume(socket, { rooms: resume }, undefined, 0).catch((error: Error) => {
        this.log.error(`resume of ${socket.data.user} at connect failed: ${error.message}; dropped to retry`);
        dropForRetry(socket);
      }),
    );
  }

  /**
   * Every client event of a connection passes here (one socket.io middleware, no
   * listener per event): unknown events and floods are refused, the rest handled.
   */
  dispatch(socket: ChatSocket, [event, ...args]: unknown[]): void {
    const last = args[args.length - 1];
    const ack = isAck(last) ? last : undefined;
    const payload = args.length > (ack ? 1 : 0) ? args[0] : undefined;
    const name = String(event).slice(0, 64);
    const handler = typeof event === 'string' ? this.handlers.get(event) : undefined;
    if (!handler) {
      return this.refuse(socket, ack, name, {
        error: `unknown event "${name}"`,
        code: ErrorCode.UnknownEvent,
      });
    }
    if (!socket.data.bucket.take()) {
      const { ratePerSecond, rateBurst } = this.options;
      const error = `rate limit exceeded: at most ${ratePerSecond} events/s (burst ${rateBurst})`;
      return this.refuse(socket, ack, name, { error, code: ErrorCode.RateLimited });
    }
    const run = (): Promise<void> =>
      handler(socket, payload, ack).catch((error: unknown) => {
        const refusal = this.failures.refusalFor(name, socket.data.user, error, this.log);
        this.observer.refused(refusal.code);
        ack?.(refusal);
      });
    if (!QUEUED_EVENTS.has(name)) return void run();
    // A queued request of a connection that has gone does nothing: its rooms are left already.
    const queued = socket.data.queue.push(() => (socket.connected ? run() : Promise.resolve()));
    if (!queued) {
      const error = `too many requests waiting: at most ${this.options.requestQueueMax} behind the one running`;
      this.refuse(socket, ack, name, { error, code: ErrorCode.Busy });
    }
  }

  private readonly handlers = new Map<
    string,
    (socket: ChatSocket, payload: unknown, ack: AnyAck | undefined) => Promise<void>
  >([
    [ChatEvent.JoinRoom, (socket, payload, ack) => this.join(socket, payload, ack)],
    [ChatEvent.LeaveRoom, (socket, payload, ack) => this.leave(socket, payload, ack)],
    [ChatEvent.ChatMessage, (socket, payload, ack) => this.send(socket, payload, ack)],
    [ChatEvent.History, (socket, payload, ack) => this.olderPage(socket, payload, ack)],
    // The event's own token paid for one room.
    [ChatEvent.Resume, (socket, payload, ack) => this.resume(socket, payload, ack, 1)],
    [ChatEvent.Members, (socket, payload, ack) => this.members(socket, payload, ack)],
    [ChatEvent.Rooms, (socket, payload, ack) => this.rooms(socket, payload, ack)],
    [ChatEvent.RefreshToken, (socket, payload, ack) => this.refreshToken(socket, payload, ack)],
  ]);

  async onDisconnect(socket: ChatSocket): Promise<void> {
    socket.data.deadline?.clear();
    this.conversation.onDisconnect(socket);
    // After the join or resume running now (queued ones see the socket gone and do
    // nothing): a room it enters meanwhile is left here, not left behind.
    await socket.data.queue?.idle();
    const rooms = [...(socket.data.rooms ?? [])];
    socket.data.rooms?.clear();
    for (const room of rooms) this.fanout.release(room, socket.id);
    let failure: Error | undefined;
    for (const room of rooms) {
      // Every room is left in this node's share even if Redis fails one: reconciliation finishes the job.
      await this.leavePresence(socket, room, false).catch((error: Error) => (failure ??= error));
    }
    if (failure) throw failure;
  }

  async join(socket: ChatSocket, payload: unknown, ack: Ack): Promise<void> {
    const room = checkRoomRequest(payload);
    if (!room.ok) return this.refuse(socket, ack, ChatEvent.JoinRoom, room);
    const forbidden =
      this.forbiddenRoom(socket, [room.value]) ??
      (await this.conversation.forbiddenDirect(socket, [room.value]));
    if (forbidden) return this.refuse(socket, ack, ChatEvent.JoinRoom, forbidden);
    if (!socket.data.rooms.has(room.value)) {
      const refusal = admissionRefusal(socket.data.rooms, [room.value], this.options.roomsPerConnection);
      if (refusal) return this.refuse(socket, ack, ChatEvent.JoinRoom, refusal);
      await this.enter(socket, room.value, null);
    }
    ack?.({ ok: true });
  }

  async leave(socket: ChatSocket, payload: unknown, ack: Ack): Promise<void> {
    const room = checkRoomRequest(payload);
    if (!room.ok) return this.refuse(socket, ack, ChatEvent.LeaveRoom, room);
    if (!socket.data.rooms.delete(room.value)) {
      return this.refuse(socket, ack, ChatEvent.LeaveRoom, notMember(`not in room ${room.value}`));
    }
    this.fanout.release(room.value, socket.id);
    await this.leavePresence(socket, room.value, true);
    await socket.leave(room.value);
    ack?.({ ok: true });
  }

  async send(socket: ChatSocket, payload: unknown, ack: Ack<SendAnswer>): Promise<void> {
    const checked = checkChatMessage(payload, {
      maxLength: this.options.messageMaxLength,
      maxBytes: this.options.messageMaxBytes,
    });
    if (!checked.ok) return this.refuse(socket, ack, ChatEvent.ChatMessage, checked);
    const { room, message, clientMsgId } = checked.value;
    const arrived = performance.now();
    if (!(await this.isMemberOnceEntered(socket, room)))
      return this.refuse(socket, ack, ChatEvent.ChatMessage, notMember(`join room ${room} first`));
    const stored = await this.history.append({
      room,
      ...participantOf(socket.data.identity),
      message,
      node: this.options.nodeId,
      clientMsgId,
    });
    this.conversation.sent(socket, room);
    ack?.({ ok: true, id: stored.id, ...(stored.duplicate ? { duplicate: true } : {}) });
    this.observer.stored(room, stored.duplicate === true, (performance.now() - arrived) / 1000);
  }

  async olderPage(socket: ChatSocket, payload: unknown, ack: Ack<HistoryEvent>): Promise<void> {
    const request = checkHistoryRequest(payload, this.options.historyPageSize, this.options.historyMaxPage);
    if (!request.ok) return this.refuse(socket, ack, ChatEvent.History, request);
    const { room, before, after, limit } = request.value;
    if (!socket.data.rooms.has(room)) {
      return this.refuse(socket, ack, ChatEvent.History, notMember(`join room ${room} first`));
    }
    const limits = this.answerLimits(limit);
    this.observer.read(after ? 'replay' : 'history');
    let event: HistoryEvent;
    if (after) {
      const replay = await this.history.after(room, after, limits);
      event = { room, messages: replay.messages, more: true, recovered: replay.recovered };
      if (replay.more) event.next = replay.messages.at(-1)!.id;
    } else {
      event = { room, ...(await this.history.page(room, limits, before)) };
    }
    if (ack) ack({ ok: true, ...event });
    else socket.emit(ChatEvent.History, event);
  }

  /**
   * Re-joins rooms from their last ids. Costs a rate-limit token per room
   * entered (`paid` were paid already): a resume is that many joins.
   */
  async resume(socket: ChatSocket, payload: unknown, ack: Ack<ResumeAnswer>, paid: number): Promise<void> {
    const checked = checkResume(payload);
    if (!checked.ok) return this.refuse(socket, ack, ChatEvent.Resume, checked);
    // All or nothing: a resume never half-happens because of one room.
    const rooms = Object.keys(checked.value);
    const forbidden =
      this.forbiddenRoom(socket, rooms) ?? (await this.conversation.forbiddenDirect(socket, rooms));
    if (forbidden) return this.refuse(socket, ack, ChatEvent.Resume, forbidden);
    const entering = Object.entries(checked.value).filter(([room]) => !socket.data.rooms.has(room));
    const refusal = admissionRefusal(
      socket.data.rooms,
      entering.map(([room]) => room),
      this.options.roomsPerConnection,
    );
    if (refusal) return this.refuse(socket, ack, ChatEvent.Resume, refusal);
    if (entering.length > paid) socket.data.bucket.charge(entering.length - paid);
    this.observer.read('resume');
    const recovered: Record<string, boolean> = {};
    for (const [room, lastId] of entering) {
      // Gone mid-resume: the disconnect's clean-up (waiting for this task) leaves what was entered.
      if (!socket.connected) break;
      if (!socket.data.rooms.has(room)) recovered[room] = await this.enter(socket, room, lastId);
    }
    ack?.({ ok: true, recovered });
  }

  /**
   * Sends are not queued, so a reconnecting client's resend can overtake the
   * resume (or join) that enters its room: before refusing, wait for what the
   * connection has queued. An idle queue costs nothing.
   */
  private async isMemberOnceEntered(socket: ChatSocket, room: string): Promise<boolean> {
    if (socket.data.rooms.has(room)) return true;
    await socket.data.queue.idle();
    return socket.data.rooms.has(room);
  }

  /** Who is in a room: for its members only. */
  async members(socket: ChatSocket, payload: unknown, ack: Ack<MembersEvent>): Promise<void> {
    const room = checkRoomRequest(payload);
    if (!room.ok) return this.refuse(socket, ack, ChatEvent.Members, room);
    if (!socket.data.rooms.has(room.value)) {
      return this.refuse(socket, ack, ChatEvent.Members, notMember(`join room ${room.value} first`));
    }
    const event: MembersEvent = { room: room.value, members: await this.presence.members(room.value) };
    if (ack) ack({ ok: true, ...event });
    else socket.emit(ChatEvent.Members, event);
  }

  /**
   * The room directory, public to every connection: names and member counts
   * of the rooms with members, by name, a page at a time.
   */
  async rooms(socket: ChatSocket, payload: unknown, ack: Ack<RoomsEvent>): Promise<void> {
    const request = checkRoomsRequest(payload, this.options.roomsPageMax);
    if (!request.ok) return this.refuse(socket, ack, ChatEvent.Rooms, request);
    const event = await this.presence.rooms(request.value.limit, request.value.cursor);
    // Direct rooms are listed to their pair only (`room list`).
    event.rooms = event.rooms.filter(({ room }) => !isDirectRoom(room));
    if (ack) ack({ ok: true, ...event });
    else socket.emit(ChatEvent.Rooms, event);
  }

  /**
   * A fresh token for the same identity: the connection lives on until the new
   * expiry, with the new token's room rules for what it joins from now on.
   */
  async refreshToken(socket: ChatSocket, payload: unknown, ack: Ack<RefreshTokenAnswer>): Promise<void> {
    const token =
      typeof payload === 'object' && payload !== null ? (payload as { token?: unknown }).token : undefined;
    let fresh: Identity;
    try {
      fresh = await this.identities.refresh(token, socket.data.identity);
    } catch (error) {
      if (!(error instanceof IdentityError)) throw error;
      return this.refuse(socket, ack, ChatEvent.RefreshToken, refusalOf(error));
    }
    socket.data.identity = fresh;
    const expiresAt = fresh.expiresAt ?? 0;
    this.watchExpiry(socket, expiresAt);
    ack?.({ ok: true, expiresAt });
  }

  /** A node left the cluster (or this one restarted): its users leave every view. */
  async onNodeGone(node: string): Promise<void> {
    const gone = await this.presence.dropNode(node);
    for (const { room, ...who } of gone) {
      const event: RoomEvent = { room, ...who };
      this.namespace.to(room).emit(ChatEvent.LeaveRoom, event);
    }
    if (gone.length > 0) this.log.info(`${node} is gone: ${gone.length} room memberships removed`);
  }

  /** Tells the room's members what a reconciliation changed: each identity added or removed once. */
  private announceRepair({ room, joined, left }: ShareRepair): void {
    for (const who of joined) this.namespace.to(room).emit(ChatEvent.JoinRoom, { room, ...who });
    for (const who of left) this.namespace.to(room).emit(ChatEvent.LeaveRoom, { room, ...who });
  }

  /** Delivers a stored message to this node's members of its room, but those that had it already. */
  deliverLocally(message: ChatMessageEvent, skip: readonly string[] = []): void {
    const members = this.namespace.local.to(message.room);
    (skip.length > 0 ? members.except([...skip]) : members).emit(liveEventOf(message), message);
    this.observer.delivered(message.room, this.namespace.adapter.rooms.get(message.room)?.size ?? 0);
  }

  /** What one history answer may hold: `limit` messages at most, and the byte bound. */
  private answerLimits(limit = this.options.historyMaxPage): AnswerLimits {
    return {
      maxMessages: Math.min(limit, this.options.historyMaxPage),
      maxBytes: this.options.historyAnswerMaxBytes,
    };
  }

  /**
   * Joins a room from `lastId` (null: the latest page). Returns whether the
   * messages after `lastId` could all be replayed.
   */
  private async enter(socket: ChatSocket, room: string, lastId: string | null): Promise<boolean> {
    socket.data.rooms.add(room);
    // Held while the room is in socket.data.rooms: this node receives the room from now on.
    this.fanout.hold(room);
    const who = participantOf(socket.data.identity);
    // Counted here, in the tick the join is sent (see LocalPresence).
    this.local.add(room, who);
    let newlyPresent: boolean;
    try {
      newlyPresent = await this.presence.join(room, who, this.options.nodeId);
    } catch (error) {
      // Not entered, so a retry enters; if the script still runs late, reconciliation takes it back.
      socket.data.rooms.delete(room);
      this.fanout.release(room, socket.id);
      this.local.remove(room, who.userId);
      throw error;
    }
    this.conversation.entered(socket, room);
    const recovered = await this.catchUp(socket, room, lastId);
    const event: RoomEvent = { room, ...who };
    // Others hear of a user once, however many tabs it opens; each tab hears itself.
    if (newlyPresent) this.namespace.to(room).emit(ChatEvent.JoinRoom, event);
    else socket.emit(ChatEvent.JoinRoom, event);
    const resumed = lastId !== null;
    this.log.info(`${who.user} ${resumed ? 'resumed' : 'joined'} ${room} (sid ${sessionIdOf(socket)})`, {
      ...connectionFields(socket),
      room,
      kind: resumed ? 'resume' : 'join',
    });
    return recovered;
  }

  /**
   * Sends the history (or the replay) and makes the socket a member, buffering
   * what arrives meanwhile: history, then live, no gap, nothing twice.
   */
  private async catchUp(socket: ChatSocket, room: string, lastId: string | null): Promise<boolean> {
    // Settles once the room's channel is subscribed: the history read below overlaps the live messages.
    const sync = await this.fanout.beginSync(room);
    let caughtUp: CaughtUp | undefined;
    try {
      let event: HistoryEvent;
      let last: string;
      const replay = lastId ? await this.history.after(room, lastId, this.answerLimits()) : undefined;
      if (replay?.recovered) {
        event = { room, messages: replay.messages, more: true, recovered: true };
        last = replay.messages.at(-1)?.id ?? lastId!;
        // Cut short by the answer's limits: the client fetches the rest from here.
        if (replay.more) event.next = last;
      } else {
        const page = await this.history.page(room, this.answerLimits(this.options.historyPageSize));
        event = { room, ...page, ...(replay ? { recovered: false } : {}) };
        last = page.messages.at(-1)?.id ?? '0-0';
      }
      if (!socket.connected || !socket.data.rooms.has(room)) return event.recovered ?? true;
      socket.emit(ChatEvent.History, event);
      for (const message of sync.buffer) {
        if (compareMessageIds(message.id, last) > 0) socket.emit(liveEventOf(message), message);
      }
      // Same tick as the flush: from here on the room delivers to this socket.
      void socket.join(room);
      caughtUp = { member: socket.id, upTo: last };
      return event.recovered ?? true;
    } finally {
      this.fanout.endSync(sync, caughtUp);
    }
  }

  private async leavePresence(socket: ChatSocket, room: string, echoToSelf: boolean): Promise<void> {
    const who: Participant = participantOf(socket.data.identity);
    this.local.remove(room, who.userId);
    const gone = await this.presence.leave(room, who, this.options.nodeId, () => this.local.has(room));
    this.conversation.left(socket, room);
    this.log.info(`${who.user} left ${room} (sid ${sessionIdOf(socket)})`, {
      ...connectionFields(socket),
      room,
    });
    const event: RoomEvent = { room, ...who };
    // Announced while the leaver is still in the room, so it hears its own leave.
    if (gone) this.namespace.to(room).emit(ChatEvent.LeaveRoom, event);
    else if (echoToSelf) socket.emit(ChatEvent.LeaveRoom, event);
  }

  /** The first of `rooms` the connection's token does not allow, as a refusal. */
  private forbiddenRoom(socket: ChatSocket, rooms: string[]): Refusal | undefined {
    const rules = socket.data.identity.rooms;
    // Direct rooms are their pair's whatever the token's rules (see Conversation.forbiddenDirect).
    const room = rules ? rooms.find((name) => !isDirectRoom(name) && !rules.allows(name)) : undefined;
    if (room === undefined) return undefined;
    return { error: `your token does not allow room ${room}`, code: ErrorCode.Forbidden };
  }

  /** Tells a token user's connection ahead of its token's expiry, and closes it at the expiry. */
  private watchExpiry(socket: ChatSocket, expiresAt: number): void {
    socket.data.deadline ??= new TokenDeadline({
      warnLeadMs: this.options.tokenWarnLeadMs,
      onWarn: (at) => socket.emit(ChatEvent.TokenExpiring, { expiresAt: at }),
      onExpire: () => {
        this.log.info(`token of ${socket.data.identity.id} expired: closing its connection`);
        const error = 'your token has expired: connect again with a fresh one';
        socket.emit(ChatEvent.Error, { event: ChatEvent.RefreshToken, error, code: ErrorCode.TokenExpired });
        socket.disconnect();
      },
    });
    socket.data.deadline.schedule(expiresAt);
  }

  /** Bad input: the sender hears why, by its ack or else by an `error` event. */
  private refuse(socket: ChatSocket, ack: Ack<never>, event: string, { error, code }: Refusal): void {
    this.log.debug(`refused ${event} from ${socket.data.user}: ${error}`, {
      ...connectionFields(socket),
      kind: event,
      code,
    });
    this.observer.refused(code);
    if (ack) ack({ error, code });
    else socket.emit(ChatEvent.Error, { event, error, code });
  }
}

function notMember(error: string): Refusal {
  return { error, code: ErrorCode.NotMember };
}
