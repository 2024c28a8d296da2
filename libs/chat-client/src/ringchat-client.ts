import { io, type ManagerOptions, type Socket, type SocketOptions } from 'socket.io-client';
import {
  ChatEvent,
  compareMessageIds,
  type ChatMessageEvent,
  type HistoryEvent,
  type Member,
  type ResumeRooms,
  type RoomEvent,
  type RoomSummary,
  type SessionEvent,
} from '@app/chat/chat-protocol.js';
import { TinyEmitter } from './tiny-emitter.js';

export interface RingchatClientOptions {
  /** Base URL of the cluster; '' for the page's own origin. */
  url: string;
  user: string;
  /** socket.io transports. @default ['polling', 'websocket'] */
  transports?: Array<'polling' | 'websocket'>;
  /** Resend a message whose ack has not come after this long. @default 5000 */
  ackTimeoutMs?: number;
  /** Anything else for socket.io's Manager and Socket. */
  io?: Partial<ManagerOptions & SocketOptions>;
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
  /** Set when a resume could not replay everything that was missed. */
  gap: boolean;
  /** Live messages held back while a gap is being filled. */
  held: ChatMessageEvent[] | null;
}

export interface RingchatClientEvents {
  message: [ChatMessageEvent];
  history: [HistoryEvent];
  join: [RoomEvent];
  leave: [RoomEvent];
  status: [ConnectionStatus];
  session: [SessionEvent];
  /** An error the server sent without an ack, or a failed connect. */
  problem: [string];
}

interface PendingSend {
  room: string;
  message: string;
  clientMsgId: string;
  resolve: (id: string) => void;
  reject: (error: Error) => void;
  inFlight: boolean;
}

type Answer<T extends object = object> = ({ ok: true } & T) | { error: string };

/**
 * The chat client the UI and the tests use. It remembers, per room, the last
 * message id it saw and asks for the rest after any reconnect (on any node);
 * it shows each message once and in order; it resends unacknowledged messages
 * with the same clientMsgId, which the server de-duplicates.
 */
export class RingchatClient extends TinyEmitter<RingchatClientEvents> {
  readonly socket: Socket;
  readonly rooms = new Map<string, RoomView>();
  status: ConnectionStatus = 'connecting';
  session?: SessionEvent;
  private readonly outbox = new Map<string, PendingSend>();
  private readonly ackTimeoutMs: number;

  constructor(private readonly options: RingchatClientOptions) {
    super();
    this.ackTimeoutMs = options.ackTimeoutMs ?? 5000;
    this.socket = io(`${options.url}/chat`, {
      transports: options.transports ?? ['polling', 'websocket'],
      // Evaluated on every (re)connect: the server re-joins these rooms from these ids.
      auth: (send) => send({ user: options.user, rooms: this.resumeRooms() }),
      ...options.io,
    });
    this.listen();
  }

  get user(): string {
    return this.options.user;
  }

  /** Joins a room; its latest page arrives as a `history` event before any live message. */
  async join(room: string): Promise<void> {
    if (!this.rooms.has(room)) {
      this.rooms.set(room, { room, messages: [], lastId: null, more: false, gap: false, held: null });
    }
    const answer = await this.request('join room', { room });
    if ('error' in answer) {
      this.rooms.delete(room);
      throw new Error(answer.error);
    }
  }

  async leave(room: string): Promise<void> {
    const answer = await this.request('leave room', { room });
    this.rooms.delete(room);
    if ('error' in answer) throw new Error(answer.error);
  }

  /**
   * Sends a message; resolves with its id once stored. Survives reconnects: an
   * unacknowledged send is retried with the same clientMsgId until it is. A UI
   * may pass its own clientMsgId to match the echo with what it shows as pending.
   */
  send(room: string, message: string, clientMsgId = newClientMsgId()): Promise<string> {
    return new Promise((resolve, reject) => {
      const pending: PendingSend = {
        room,
        message,
        clientMsgId,
        resolve,
        reject,
        inFlight: false,
      };
      this.outbox.set(pending.clientMsgId, pending);
      this.transmit(pending);
    });
  }

  /** Messages not yet acknowledged. */
  get pendingCount(): number {
    return this.outbox.size;
  }

  /** Loads the page before the oldest message shown; returns how many arrived. */
  async loadOlder(room: string, limit?: number): Promise<number> {
    const view = this.rooms.get(room);
    if (!view) throw new Error(`not in room ${room}`);
    const before = view.messages[0]?.id;
    const answer = await this.request<HistoryEvent>('history', { room, before, limit });
    if ('error' in answer) throw new Error(answer.error);
    const older = answer.messages.filter((m) => !before || compareMessageIds(m.id, before) < 0);
    view.messages.unshift(...older);
    view.more = answer.more;
    return older.length;
  }

  async members(room: string): Promise<Member[]> {
    const answer = await this.request<{ members: Member[] }>('members', { room });
    if ('error' in answer) throw new Error(answer.error);
    return answer.members;
  }

  async listRooms(): Promise<RoomSummary[]> {
    const answer = await this.request<{ rooms: RoomSummary[] }>('rooms', {});
    if ('error' in answer) throw new Error(answer.error);
    return answer.rooms;
  }

  close(): void {
    this.socket.close();
    this.setStatus('offline');
    for (const pending of this.outbox.values()) pending.reject(new Error('client closed'));
    this.outbox.clear();
  }

  private resumeRooms(): ResumeRooms {
    const rooms: ResumeRooms = {};
    for (const view of this.rooms.values()) rooms[view.room] = view.lastId;
    return rooms;
  }

  private listen(): void {
    const { socket } = this;
    socket.on('connect', () => {
      this.setStatus('connected');
      // The handshake's resume has re-joined the rooms; now the unacked sends.
      for (const pending of this.outbox.values()) this.transmit(pending);
    });
    socket.on('disconnect', () => this.setStatus(socket.active ? 'reconnecting' : 'offline'));
    socket.on('connect_error', (error: Error) => {
      this.setStatus(socket.active ? 'reconnecting' : 'offline');
      this.emit('problem', error.message);
    });
    socket.on(ChatEvent.Session, (session: SessionEvent) => {
      this.session = session;
      this.emit('session', session);
    });
    socket.on(ChatEvent.History, (event: HistoryEvent) => this.onHistory(event));
    socket.on(ChatEvent.ChatMessage, (message: ChatMessageEvent) => this.onMessage(message));
    socket.on(ChatEvent.JoinRoom, (event: RoomEvent) => this.emit('join', event));
    socket.on(ChatEvent.LeaveRoom, (event: RoomEvent) => this.emit('leave', event));
    socket.on(ChatEvent.Error, (problem: { event: string; error: string }) =>
      this.emit('problem', `${problem.event}: ${problem.error}`),
    );
  }

  private onHistory(event: HistoryEvent): void {
    const view = this.rooms.get(event.room);
    if (!view) return;
    if (event.recovered === false) view.gap = true;
    if (event.recovered === undefined && view.lastId === null) view.more = event.more;
    for (const message of event.messages) this.append(view, message);
    this.emit('history', event);
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
    if (isNewer && view.lastId !== null && message.prev !== undefined && message.prev !== view.lastId) {
      // The message before this one never arrived: fetch what is missing first.
      view.held = [message];
      void this.healGap(view);
      return;
    }
    if (this.append(view, message)) this.emit('message', message);
  }

  /** Asks for everything after the last message seen, then releases the held ones. */
  private async healGap(view: RoomView): Promise<void> {
    while (view.held && this.rooms.get(view.room) === view) {
      try {
        const answer = await this.request<HistoryEvent>('history', { room: view.room, after: view.lastId });
        if ('error' in answer) throw new Error(answer.error);
        if (answer.recovered === false) view.gap = true;
        for (const message of answer.messages) if (this.append(view, message)) this.emit('message', message);
        this.releaseHeld(view);
      } catch {
        // Disconnected or slow: the resume after a reconnect fills it, or the next try.
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
    }
  }

  private releaseHeld(view: RoomView): void {
    const held = view.held;
    view.held = null;
    for (const message of held ?? []) if (this.append(view, message)) this.emit('message', message);
  }

  /** Adds a message unless it is not newer than the last one: each once, in order. */
  private append(view: RoomView, message: ChatMessageEvent): boolean {
    if (view.lastId !== null && compareMessageIds(message.id, view.lastId) <= 0) return false;
    view.messages.push(message);
    view.lastId = message.id;
    return true;
  }

  private transmit(pending: PendingSend): void {
    if (!this.socket.connected || pending.inFlight) return;
    pending.inFlight = true;
    const payload = { room: pending.room, message: pending.message, clientMsgId: pending.clientMsgId };
    this.socket
      .timeout(this.ackTimeoutMs)
      .emit('chat message', payload, (timeout: Error | null, answer: Answer<{ id: string }>) => {
        pending.inFlight = false;
        if (!this.outbox.has(pending.clientMsgId)) return;
        if (timeout) {
          // Lost with a dying connection, or slow: the same clientMsgId again is safe.
          this.transmit(pending);
          return;
        }
        if ('error' in answer && answer.error.startsWith('rate limit exceeded')) {
          // Nothing was stored: try again once the bucket has refilled a little.
          setTimeout(() => this.transmit(pending), RATE_LIMIT_BACKOFF_MS);
          return;
        }
        this.outbox.delete(pending.clientMsgId);
        if ('error' in answer) pending.reject(new Error(answer.error));
        else pending.resolve(answer.id);
      });
  }

  private async request<T extends object = object>(event: string, payload: object): Promise<Answer<T>> {
    return (await this.socket.timeout(this.ackTimeoutMs).emitWithAck(event, payload)) as Answer<T>;
  }

  private setStatus(status: ConnectionStatus): void {
    if (this.status === status) return;
    this.status = status;
    this.emit('status', status);
  }
}

/** How long a send refused by the rate limit waits before its next try. */
const RATE_LIMIT_BACKOFF_MS = 500;

export function newClientMsgId(): string {
  return globalThis.crypto.randomUUID();
}
