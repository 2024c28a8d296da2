import {
  ChatEvent,
  compareMessageIds,
  ErrorCode,
  type AnswerOf,
  type ChatAuth,
  type ChatMessageEvent,
  type ClientEventName,
  type DirectEvent,
  type HistoryEvent,
  type Member,
  type MessageChangeKind,
  type Participant,
  type RequestOf,
  type ResumeRooms,
  type RoomEvent,
  type RoomListing,
  type RoomsEvent,
  type RoomsRequest,
  type RoomSummary,
  type SessionEvent,
} from '@app/chat-protocol';
import type { ChatConnection, ConnectionOptions } from './chat-connection.js';
import { ChatRefusal, isTransient } from './chat-refusal.js';
import { applyChange, isChange } from './message-changes.js';
import { RetryPolicy, type RetryPolicyOptions } from './retry-policy.js';
import { TinyEmitter } from './tiny-emitter.js';
import { TypingTracker } from './typing-tracker.js';

/** The client says `typing` at most this often per room while its user types (the server's throttle too). */
export const TYPING_REFRESH_MS = 2000;

export interface ChatClientOptions {
  /** Base URL of the cluster; '' for the page's own origin. */
  url: string;
  /** Guest mode: the display name. Ignored by a server in jwt mode (the token names the user). */
  user?: string;
  /**
   * jwt mode: a token from the identity provider, asked for on every (re)connect
   * and again when the server says the current one expires soon.
   */
  getToken?: () => Promise<string> | string;
  /** Guest mode: the guest token kept from an earlier session, to stay the same guest. */
  guestToken?: string;
  /** Guest mode: called with the guest token of each session, for the caller to keep (e.g. in localStorage). */
  onGuestToken?: (token: string) => void;
  /** socket.io transports. @default ['polling', 'websocket'] */
  transports?: Array<'polling' | 'websocket'>;
  /** A request without an answer after this long counts as failed. @default 5000 */
  ackTimeoutMs?: number;
  /**
   * Back-off and bound of the retries of a send and of a gap's history fetch.
   * A send refused as `unavailable` (the chat store is away) is retried with this
   * back-off but without the bound, for as long as the connection lasts.
   * @default RETRY_DEFAULTS
   */
  retry?: RetryPolicyOptions;
  /**
   * A stored send whose own live copy has not come this long after its ack makes
   * the client fetch the room after the last message it saw, as gap healing
   * does: a copy published while this node's room channel was not subscribed
   * (its Redis subscriber reconnecting) would otherwise never show, and a
   * room's newest message has no successor to reveal the gap.
   * @default 1500
   */
  echoWaitMs?: number;
}

export type ConnectionStatus = 'connecting' | 'connected' | 'reconnecting' | 'offline';

/** What the client knows of one joined room. */
export interface RoomView {
  room: string;
  /** Messages in stream order, each once. */
  messages: ChatMessageEvent[];
  /** Id of the newest message seen: what a resume asks from. */
  lastId: string | null;
  /** Older messages exist before `messages[0]`. */
  more: boolean;
  /** Set when some missed messages could not be fetched (retention, or retries ran out). */
  gap: boolean;
  /** Live messages held back while a gap is being filled. */
  held: ChatMessageEvent[] | null;
}

export interface ChatClientEvents {
  message: [ChatMessageEvent];
  /**
   * A live edit or delete (the change entry) and the message it changed, if
   * that message is loaded (its text, `edited` and `deleted` already updated).
   * Each change once; changes inside a `history` answer are applied silently.
   */
  change: [ChatMessageEvent, ChatMessageEvent | undefined];
  /** The typists of a room changed: everyone typing there now (never this identity). */
  typing: [string, Participant[]];
  /** The rooms list changed (`directory`): at sign-in, on `roomList()`, on a new direct room. */
  rooms: [RoomListing[]];
  /** Someone opened a direct room with this identity (it is in `directory` too; not joined). */
  direct: [DirectEvent];
  history: [HistoryEvent];
  join: [RoomEvent];
  leave: [RoomEvent];
  status: [ConnectionStatus];
  session: [SessionEvent];
  /** jwt mode: the connection's token was replaced by a fresh one; it now expires at this time. */
  refreshed: [number];
  /**
   * A send is not stored yet and goes again, with the same clientMsgId, in about
   * `delayMs` (right after an earlier message of its room that also waits).
   */
  retrying: [SendRetry];
  /**
   * What no caller awaits failed: a refusal of an event sent without an ack
   * (a ChatRefusal), a failed connect, a gap given up on after its retries.
   */
  error: [Error];
}

export interface SendRetry {
  room: string;
  clientMsgId: string;
  /** The refusal's code (`unavailable`: the chat store is away), or 'no answer'. */
  reason: ErrorCode | 'no answer';
  /** Tries so far on this connection. */
  attempts: number;
  delayMs: number;
}

interface PendingSend {
  room: string;
  message: string;
  /** An edit or delete of the message `target`; absent for a message. */
  change?: { kind: MessageChangeKind; target: string };
  clientMsgId: string;
  resolve: (id: string) => void;
  reject: (error: Error) => void;
  inFlight: boolean;
  /** Tries on the current connection. */
  attempts: number;
  /** Of those, the ones refused as `unavailable`: they count toward no bound. */
  storeAway: number;
  retry?: ReturnType<typeof setTimeout>;
}

/**
 * The chat client over any ChatConnection. It remembers, per room, the last
 * message id it saw and asks for the rest after any reconnect (on any node);
 * it shows each message once and in order; it resends unacknowledged messages
 * with the same clientMsgId, which the server de-duplicates.
 */
export class ChatClientCore<C extends ChatConnection = ChatConnection> extends TinyEmitter<ChatClientEvents> {
  readonly rooms = new Map<string, RoomView>();
  status: ConnectionStatus = 'connecting';
  session?: SessionEvent;
  /** The rooms list, most recently active first (see RoomListEvent); empty until the server sends it. */
  directory: RoomListing[] = [];
  private readonly typingTracker = new TypingTracker((room) =>
    this.emit('typing', room, this.typingTracker.typists(room)),
  );
  /** When this client last said `typing` per room. */
  private readonly typingSentAt = new Map<string, number>();
  protected readonly connection: C;
  private readonly outbox = new Map<string, PendingSend>();
  private readonly ackTimeoutMs: number;
  private readonly retry: RetryPolicy;
  private readonly echoWaitMs: number;
  private readonly timers = new Set<ReturnType<typeof setTimeout>>();
  /** Rooms whose missed messages are being fetched. */
  private readonly healing = new Set<RoomView>();
  /** Guest mode: what the server issued, presented on every reconnect. */
  private guestToken?: string;
  /** jwt mode: the token last given to the server. */
  private token?: string;

  /** `createConnection` opens the connection: socket.io's, or a fake in a spec. */
  constructor(
    private readonly options: ChatClientOptions,
    createConnection: (url: string, options: ConnectionOptions) => C,
  ) {
    super();
    this.ackTimeoutMs = options.ackTimeoutMs ?? 5000;
    this.retry = new RetryPolicy(options.retry);
    this.echoWaitMs = options.echoWaitMs ?? 1500;
    this.guestToken = options.guestToken;
    this.connection = createConnection(options.url, {
      transports: options.transports ?? ['polling', 'websocket'],
      // Evaluated on every (re)connect: the server re-joins these rooms from these ids.
      auth: () => this.handshakeAuth(),
    });
    this.listen();
  }

  /** The display name: the server's word once connected. */
  get user(): string {
    return this.session?.user ?? this.options.user ?? '';
  }

  private async handshakeAuth(): Promise<ChatAuth> {
    const auth: ChatAuth = { rooms: this.resumeRooms() };
    if (this.options.user !== undefined) auth.user = this.options.user;
    if (this.guestToken) auth.guest = this.guestToken;
    if (this.options.getToken) auth.token = this.token = await this.options.getToken();
    return auth;
  }

  /** Asks for a fresh token and hands it to the server before the current one expires. */
  private async refreshToken(): Promise<void> {
    const { getToken } = this.options;
    if (!getToken) return;
    try {
      const token = await getToken();
      // The same token again would change nothing: the server closes the connection at its expiry.
      if (token === this.token) return;
      this.token = token;
      const answer = await this.request(ChatEvent.RefreshToken, { token });
      if ('error' in answer) throw new ChatRefusal(answer, ChatEvent.RefreshToken);
      this.emit('refreshed', answer.expiresAt);
    } catch (error) {
      this.emit('error', error instanceof Error ? error : new Error(String(error)));
    }
  }

  /** Joins a room; its latest page arrives as a `history` event before any live message. */
  async join(room: string): Promise<void> {
    if (!this.rooms.has(room)) {
      this.rooms.set(room, { room, messages: [], lastId: null, more: false, gap: false, held: null });
    }
    const answer = await this.request(ChatEvent.JoinRoom, { room });
    if ('error' in answer) {
      this.rooms.delete(room);
      throw new ChatRefusal(answer);
    }
  }

  async leave(room: string): Promise<void> {
    const answer = await this.request(ChatEvent.LeaveRoom, { room });
    this.rooms.delete(room);
    this.typingTracker.clear(room);
    this.typingSentAt.delete(room);
    if ('error' in answer) throw new ChatRefusal(answer);
  }

  /**
   * Sends a message; resolves with its id once stored. Survives reconnects: an
   * unacknowledged send goes again with the same clientMsgId after each
   * reconnect, and with back-off on a live connection until the retry policy
   * gives up (never while the server says the store is away, `unavailable`).
   * Rejects with a ChatRefusal for a refusal retrying cannot mend (e.g.
   * `store_full`, `not_member`). A UI may pass its own clientMsgId to match the echo with what it
   * shows as pending.
   */
  send(room: string, message: string, clientMsgId = newClientMsgId()): Promise<string> {
    this.typingSentAt.delete(room);
    return this.enqueue(room, message, clientMsgId);
  }

  /**
   * New text for an own message: durable like a send (retried with the same
   * clientMsgId, resolves with the stored change's id). Rejects with a
   * ChatRefusal `forbidden` for another's message, `invalid` for an unknown or
   * deleted one. Every member then gets the change once (a `change` event).
   */
  editMessage(room: string, id: string, message: string, clientMsgId = newClientMsgId()): Promise<string> {
    return this.enqueue(room, message, clientMsgId, { kind: 'edit', target: id });
  }

  /** Deletes an own message (as editMessage): its text is served no more. */
  deleteMessage(room: string, id: string, clientMsgId = newClientMsgId()): Promise<string> {
    return this.enqueue(room, '', clientMsgId, { kind: 'delete', target: id });
  }

  /**
   * Call on every keystroke in a room's input: says `typing` at most every
   * TYPING_REFRESH_MS, so others see the typist until it stops.
   */
  typing(room: string): void {
    const now = Date.now();
    if (!this.connection.connected || now - (this.typingSentAt.get(room) ?? 0) < TYPING_REFRESH_MS) return;
    this.typingSentAt.set(room, now);
    this.request(ChatEvent.Typing, { room }).catch(() => undefined);
  }

  /** The input was cleared without sending: others drop the typist at once. */
  stopTyping(room: string): void {
    if (!this.typingSentAt.delete(room) || !this.connection.connected) return;
    this.request(ChatEvent.Typing, { room, stopped: true }).catch(() => undefined);
  }

  /** Who is typing in a room now. */
  typists(room: string): Participant[] {
    return this.typingTracker.typists(room);
  }

  /** Asks for the rooms list again (it also comes by itself at every sign-in). */
  async roomList(limit?: number): Promise<RoomListing[]> {
    const answer = await this.request(ChatEvent.RoomList, limit === undefined ? {} : { limit });
    if ('error' in answer) throw new ChatRefusal(answer);
    this.setDirectory(answer.rooms);
    return answer.rooms;
  }

  /**
   * Opens (or finds) the direct room with another identity and joins it; the
   * other person gets a `direct` event. `user` labels it until they are seen.
   */
  async openDirect(userId: string, user?: string): Promise<DirectEvent> {
    const answer = await this.request(
      ChatEvent.OpenDirect,
      user === undefined ? { userId } : { userId, user },
    );
    if ('error' in answer) throw new ChatRefusal(answer);
    const { ok: _ok, ...direct } = answer;
    this.noteDirect(direct);
    await this.join(direct.room);
    return direct;
  }

  private enqueue(
    room: string,
    message: string,
    clientMsgId: string,
    change?: PendingSend['change'],
  ): Promise<string> {
    return new Promise((resolve, reject) => {
      const pending: PendingSend = {
        room,
        message,
        change,
        clientMsgId,
        resolve,
        reject,
        inFlight: false,
        attempts: 0,
        storeAway: 0,
      };
      this.outbox.set(pending.clientMsgId, pending);
      this.transmit(pending);
    });
  }

  /** Loads the page before the oldest message shown; returns how many arrived. */
  async loadOlder(room: string, limit?: number): Promise<number> {
    const view = this.rooms.get(room);
    if (!view) throw new Error(`not in room ${room}`);
    const before = view.messages[0]?.id;
    const answer = await this.request(ChatEvent.History, { room, before, limit });
    if ('error' in answer) throw new ChatRefusal(answer);
    // Changes in an older page concern older messages, which come with their latest text.
    const older = answer.messages.filter(
      (m) => !isChange(m) && (!before || compareMessageIds(m.id, before) < 0),
    );
    view.messages.unshift(...older);
    view.more = answer.more;
    return older.length;
  }

  async members(room: string): Promise<Member[]> {
    const answer = await this.request(ChatEvent.Members, { room });
    if ('error' in answer) throw new ChatRefusal(answer);
    return answer.members;
  }

  /** The first page of the room directory (rooms with members, by name). */
  async listRooms(): Promise<RoomSummary[]> {
    return (await this.roomsPage()).rooms;
  }

  /** A page of the room directory; pass the answer's `next` as `cursor` for the following one. */
  async roomsPage(request: RoomsRequest = {}): Promise<RoomsEvent> {
    const answer = await this.request(ChatEvent.Rooms, request);
    if ('error' in answer) throw new ChatRefusal(answer);
    const { rooms, next } = answer;
    return next === undefined ? { rooms } : { rooms, next };
  }

  close(): void {
    this.connection.close();
    this.setStatus('offline');
    this.typingTracker.clear();
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    for (const pending of this.outbox.values()) pending.reject(new Error('client closed'));
    this.outbox.clear();
  }

  private resumeRooms(): ResumeRooms {
    const rooms: ResumeRooms = {};
    for (const view of this.rooms.values()) rooms[view.room] = view.lastId;
    return rooms;
  }

  private listen(): void {
    const { connection } = this;
    connection.on('connect', () => {
      this.setStatus('connected');
      // The handshake's resume has re-joined the rooms; now the unacked sends, afresh.
      for (const pending of this.outbox.values()) {
        this.cancel(pending.retry);
        pending.retry = undefined;
        pending.attempts = 0;
        pending.storeAway = 0;
        this.transmit(pending);
      }
    });
    connection.on('disconnect', () => {
      this.setStatus(connection.active ? 'reconnecting' : 'offline');
      // Typing is not replayed: what was shown may be stale now.
      this.typingTracker.clear();
      this.typingSentAt.clear();
    });
    connection.on('connect_error', (error) => {
      this.setStatus(connection.active ? 'reconnecting' : 'offline');
      this.emit('error', error);
    });
    connection.on(ChatEvent.Session, (session) => {
      this.session = session;
      if (session.guestToken && session.guestToken !== this.guestToken) {
        this.guestToken = session.guestToken;
        this.options.onGuestToken?.(session.guestToken);
      }
      this.emit('session', session);
    });
    connection.on(ChatEvent.TokenExpiring, () => void this.refreshToken());
    connection.on(ChatEvent.History, (event) => this.onHistory(event));
    connection.on(ChatEvent.ChatMessage, (message) => this.onMessage(message));
    connection.on(ChatEvent.MessageChanged, (change) => this.onMessage(change));
    connection.on(ChatEvent.JoinRoom, (event) => this.emit('join', event));
    connection.on(ChatEvent.LeaveRoom, (event) => {
      this.typingTracker.drop(event.room, event.userId);
      this.emit('leave', event);
    });
    connection.on(ChatEvent.Typing, (event) => {
      if (event.userId !== this.session?.userId) this.typingTracker.onTyping(event);
    });
    connection.on(ChatEvent.RoomList, ({ rooms }) => this.setDirectory(rooms));
    connection.on(ChatEvent.Direct, (direct) => {
      this.noteDirect(direct);
      this.emit('direct', direct);
    });
    connection.on(ChatEvent.Error, (refusal) => this.emit('error', new ChatRefusal(refusal, refusal.event)));
  }

  private onHistory(event: HistoryEvent): void {
    const view = this.rooms.get(event.room);
    if (!view) return;
    if (event.recovered === false) view.gap = true;
    if (event.recovered === undefined && view.lastId === null) view.more = event.more;
    for (const message of event.messages) this.append(view, message);
    this.emit('history', event);
    if (event.next !== undefined) {
      // A replay cut short by the server's limits: live messages wait for the rest.
      view.held ??= [];
      this.startHealing(view);
      return;
    }
    // A replay after a reconnect also fills any gap being healed.
    if (event.recovered !== undefined) this.releaseHeld(view);
  }

  private onMessage(message: ChatMessageEvent): void {
    const view = this.rooms.get(message.room);
    if (!view) return;
    if (view.held) {
      view.held.push(message);
      return;
    }
    const isNewer = view.lastId === null || compareMessageIds(message.id, view.lastId) > 0;
    // With nothing seen yet the room was empty when this view was filled (its
    // history comes before any live message), so any predecessor was missed too.
    if (isNewer && message.prev !== undefined && message.prev !== view.lastId) {
      // The message before this one never arrived: fetch what is missing first.
      view.held = [message];
      this.startHealing(view);
      return;
    }
    this.deliver(view, message);
  }

  private startHealing(view: RoomView): void {
    if (this.healing.has(view)) return;
    this.healing.add(view);
    void this.healGap(view).finally(() => this.healing.delete(view));
  }

  /**
   * Asks for everything after the last message seen, following the server's
   * continuations (an answer holds a bounded part), then releases the held
   * ones; retries with back-off while connected. Disconnected, it stops: the
   * resume after the reconnect fills the gap. Out of retries, it shows the gap.
   */
  private async healGap(view: RoomView): Promise<void> {
    const healing = (): boolean => view.held !== null && this.rooms.get(view.room) === view;
    for (let attempt = 1; healing() && this.connection.connected; attempt++) {
      const after = view.lastId;
      // Nothing seen yet (a missed echo in an empty room): the latest page holds what was missed.
      const request = after === null ? { room: view.room } : { room: view.room, after };
      const answer = await this.request(ChatEvent.History, request).catch(() => undefined);
      if (!healing()) return;
      if (answer && !('error' in answer)) {
        if (answer.recovered === false) view.gap = true;
        if (after === null) view.more = answer.more;
        for (const message of answer.messages) this.deliver(view, message);
        if (answer.next === undefined || answer.messages.length === 0) return this.releaseHeld(view);
        attempt = 0;
        continue;
      }
      const delay = answer && !isTransient(answer.code) ? undefined : this.retry.delayAfter(attempt);
      if (delay === undefined) {
        view.gap = true;
        this.releaseHeld(view);
        const why = answer ? answer.error : 'no answer';
        this.emit('error', new Error(`could not fetch the missed messages of ${view.room}: ${why}`));
        return;
      }
      await new Promise<void>((resolve) => this.later(delay, () => resolve()));
    }
  }

  private releaseHeld(view: RoomView): void {
    const held = view.held;
    view.held = null;
    for (const message of held ?? []) this.deliver(view, message);
  }

  /** Appends a live entry and tells the listeners: a message, or a change and what it changed. */
  private deliver(view: RoomView, entry: ChatMessageEvent): void {
    const taken = this.append(view, entry);
    if (!taken) return;
    if (isChange(entry)) {
      this.emit('change', entry, taken.changed);
      return;
    }
    this.typingTracker.drop(view.room, entry.userId);
    this.emit('message', entry);
  }

  /**
   * Takes a stream entry unless it is not newer than the last one: each once,
   * in order. A message is added; a change is applied to its target (`changed`
   * if that one is loaded and did not show it yet).
   */
  private append(view: RoomView, entry: ChatMessageEvent): { changed?: ChatMessageEvent } | undefined {
    if (view.lastId !== null && compareMessageIds(entry.id, view.lastId) <= 0) return undefined;
    view.lastId = entry.id;
    if (isChange(entry)) return { changed: applyChange(view.messages, entry) };
    view.messages.push(entry);
    return {};
  }

  private transmit(pending: PendingSend): void {
    if (!this.connection.connected || pending.inFlight || pending.retry) return;
    // A room's messages are stored in the order they were typed: none overtakes one that waits.
    if (this.waitingBefore(pending)) return;
    pending.inFlight = true;
    pending.attempts += 1;
    this.transmitRequest(pending).then(
      (answer) => this.onSendAnswer(pending, answer),
      // Lost with a dying connection, or slow: the same clientMsgId again is safe.
      () => this.onSendAnswer(pending, undefined),
    );
  }

  /** The request a pending send makes: a message, an edit or a delete. */
  private transmitRequest(pending: PendingSend): Promise<AnswerOf<typeof ChatEvent.ChatMessage>> {
    const { room, message, clientMsgId, change } = pending;
    if (change?.kind === 'edit') {
      return this.request(ChatEvent.EditMessage, { room, id: change.target, message, clientMsgId });
    }
    if (change?.kind === 'delete') {
      return this.request(ChatEvent.DeleteMessage, { room, id: change.target, clientMsgId });
    }
    return this.request(ChatEvent.ChatMessage, { room, message, clientMsgId });
  }

  private onSendAnswer(
    pending: PendingSend,
    answer: AnswerOf<typeof ChatEvent.ChatMessage> | undefined,
  ): void {
    pending.inFlight = false;
    if (!this.outbox.has(pending.clientMsgId)) return;
    if (answer && !('error' in answer)) {
      this.awaitEcho(pending.room, answer.id);
      return this.settle(pending, answer.id);
    }
    if (answer && !isTransient(answer.code)) return this.settle(pending, new ChatRefusal(answer));
    // No answer, or nothing stored for now (rate limit, the store away): again, later.
    // The store away is no fault of the message: those tries count toward no bound,
    // so the text waits for Redis as long as the connection lasts.
    if (answer?.code === ErrorCode.Unavailable) pending.storeAway += 1;
    if (this.retry.exhausted(pending.attempts - pending.storeAway)) {
      const why = answer ? answer.error : 'no answer';
      return this.settle(pending, new Error(`message not stored after ${pending.attempts} tries: ${why}`));
    }
    const ahead = this.waitingBefore(pending);
    // Behind a waiting message of its room, it goes right after that one's next try.
    const delayMs = this.retry.backoff((ahead ?? pending).attempts);
    if (!ahead) {
      pending.retry = this.later(delayMs, () => {
        pending.retry = undefined;
        this.transmitRoom(pending.room);
      });
    }
    const { room, clientMsgId, attempts } = pending;
    this.emit('retrying', { room, clientMsgId, reason: answer?.code ?? 'no answer', attempts, delayMs });
  }

  /**
   * A stored entry shows in its room by its live copy (or in a history answer).
   * If neither has brought it `echoWaitMs` after the ack, the copy was lost on
   * its way: fetch what came after the last message seen. Disconnected, the
   * resume after the reconnect brings it instead.
   */
  private awaitEcho(room: string, id: string): void {
    const view = this.rooms.get(room);
    if (!view || this.hasSeen(view, id)) return;
    this.later(this.echoWaitMs, () => {
      if (this.rooms.get(room) !== view || this.hasSeen(view, id) || !this.connection.connected) return;
      view.held ??= [];
      this.startHealing(view);
    });
  }

  private hasSeen(view: RoomView, id: string): boolean {
    return view.lastId !== null && compareMessageIds(id, view.lastId) <= 0;
  }

  /** The first earlier send of the same room that is waiting (not in flight), if any. */
  private waitingBefore(pending: PendingSend): PendingSend | undefined {
    for (const other of this.outbox.values()) {
      if (other === pending) return undefined;
      if (other.room === pending.room && !other.inFlight) return other;
    }
    return undefined;
  }

  /** Sends a room's waiting messages, in order. */
  private transmitRoom(room: string): void {
    for (const pending of this.outbox.values()) if (pending.room === room) this.transmit(pending);
  }

  private settle(pending: PendingSend, outcome: string | Error): void {
    this.outbox.delete(pending.clientMsgId);
    if (typeof outcome === 'string') pending.resolve(outcome);
    else pending.reject(outcome);
    this.transmitRoom(pending.room);
  }

  private async request<E extends ClientEventName>(event: E, payload: RequestOf<E>): Promise<AnswerOf<E>> {
    return this.connection.request(event, payload, this.ackTimeoutMs);
  }

  /** A timer the client owns: close() clears it. */
  private later(ms: number, run: () => void): ReturnType<typeof setTimeout> {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      run();
    }, ms);
    this.timers.add(timer);
    return timer;
  }

  private cancel(timer: ReturnType<typeof setTimeout> | undefined): void {
    if (timer === undefined) return;
    clearTimeout(timer);
    this.timers.delete(timer);
  }

  private setDirectory(rooms: RoomListing[]): void {
    this.directory = rooms;
    this.emit('rooms', rooms);
  }

  /** A direct room goes to the top of the rooms list (or moves there). */
  private noteDirect(direct: DirectEvent): void {
    this.setDirectory([direct, ...this.directory.filter((listing) => listing.room !== direct.room)]);
  }

  private setStatus(status: ConnectionStatus): void {
    if (this.status === status) return;
    this.status = status;
    this.emit('status', status);
  }
}

export function newClientMsgId(): string {
  return globalThis.crypto.randomUUID();
}
