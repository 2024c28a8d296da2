import type { Participant, TypingEvent } from '@app/chat-protocol';

interface Typist {
  who: Participant;
  timer: ReturnType<typeof setTimeout>;
}

/**
 * Who is typing in each room, from the server's `typing` events: a typist is
 * dropped when its event's time runs out without a refresh, when it stops,
 * leaves or sends. `onChange` hears the room whose typists changed.
 */
export class TypingTracker {
  private readonly rooms = new Map<string, Map<string, Typist>>();

  constructor(private readonly onChange: (room: string) => void) {}

  /** The room's typists, in the order they started. */
  typists(room: string): Participant[] {
    return [...(this.rooms.get(room)?.values() ?? [])].map((typist) => typist.who);
  }

  onTyping(event: TypingEvent): void {
    if (event.stopped) return this.drop(event.room, event.userId);
    const { room, user, userId, guest } = event;
    let typists = this.rooms.get(room);
    if (!typists) this.rooms.set(room, (typists = new Map()));
    const known = typists.get(userId);
    if (known) clearTimeout(known.timer);
    const timer = setTimeout(() => this.drop(room, userId), event.expiresInMs);
    typists.set(userId, { who: { user, userId, guest }, timer });
    if (!known) this.onChange(room);
  }

  /** The identity stopped typing in the room (it sent, stopped or left). */
  drop(room: string, userId: string): void {
    const typists = this.rooms.get(room);
    const typist = typists?.get(userId);
    if (!typists || !typist) return;
    clearTimeout(typist.timer);
    typists.delete(userId);
    if (typists.size === 0) this.rooms.delete(room);
    this.onChange(room);
  }

  /** Forgets a room (left) or every room (closed, or disconnected: nobody's typing is known). */
  clear(room?: string): void {
    for (const name of room === undefined ? [...this.rooms.keys()] : [room]) {
      const typists = this.rooms.get(name);
      if (!typists) continue;
      for (const typist of typists.values()) clearTimeout(typist.timer);
      this.rooms.delete(name);
      this.onChange(name);
    }
  }
}
