import { ChatEvent, type Participant, type TypingEvent } from '@app/chat-protocol';

/** What the relay needs of a connection: socket.io's broadcast to the others of a room. */
export interface TypingSocket {
  to(room: string): { emit(event: typeof ChatEvent.Typing, payload: TypingEvent): unknown };
}

export interface TypingOptions {
  /** At most one `typing` per connection and room goes out this often; the rest are dropped. */
  intervalMs: number;
  /** Receivers drop a typist this long after its last `typing`. */
  expiryMs: number;
}

/**
 * Relays `typing` to a room's other connections on every node (socket.io's
 * adapter), never stored. Throttled per connection and room; a connection that
 * stops, leaves or disconnects while shown as typing is cleared at once.
 */
export class TypingRelay {
  /** Per connection: room → when its last `typing` went out. */
  private readonly sent = new WeakMap<TypingSocket, Map<string, number>>();

  constructor(private readonly options: TypingOptions) {}

  /** Returns whether the event went out (false: throttled, or a stop of nothing shown). */
  relay(socket: TypingSocket, who: Participant, room: string, stopped: boolean, now = Date.now()): boolean {
    let rooms = this.sent.get(socket);
    if (!rooms) this.sent.set(socket, (rooms = new Map()));
    if (stopped) return this.clear(socket, who, room, now);
    const last = rooms.get(room);
    if (last !== undefined && now - last < this.options.intervalMs) return false;
    rooms.set(room, now);
    socket.to(room).emit(ChatEvent.Typing, { room, ...who, expiresInMs: this.options.expiryMs });
    return true;
  }

  /** The connection sent a message, stopped, or left the room: others drop it now if they show it. */
  clear(socket: TypingSocket, who: Participant, room: string, now = Date.now()): boolean {
    const rooms = this.sent.get(socket);
    const last = rooms?.get(room);
    if (last === undefined) return false;
    rooms!.delete(room);
    if (now - last >= this.options.expiryMs) return false;
    socket.to(room).emit(ChatEvent.Typing, { room, ...who, stopped: true, expiresInMs: 0 });
    return true;
  }

  /** The connection is gone: every room where it may show as typing is cleared. */
  clearAll(socket: TypingSocket, who: Participant, now = Date.now()): void {
    for (const room of this.sent.get(socket)?.keys() ?? []) this.clear(socket, who, room, now);
    this.sent.delete(socket);
  }
}
