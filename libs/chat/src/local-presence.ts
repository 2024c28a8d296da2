import type { Participant } from '@app/chat-protocol';

/** One identity's connections in a room on this node. */
export interface LocalShareEntry extends Participant {
  connections: number;
}

/**
 * This node's share of presence as it sent it to Redis: room → identity →
 * connections. Counted when a join or leave is sent, not when it is answered, so
 * a snapshot taken just before a reconciliation is sent on the same connection
 * says exactly what Redis will hold once everything sent before it has run.
 */
export class LocalPresence {
  private readonly rooms = new Map<string, Map<string, LocalShareEntry>>();
  /** Rooms whose last connection here left since `takeEmptied` was last called. */
  private emptied = new Set<string>();

  add(room: string, who: Participant): void {
    let share = this.rooms.get(room);
    if (!share) this.rooms.set(room, (share = new Map()));
    const entry = share.get(who.userId);
    if (entry) entry.connections += 1;
    else share.set(who.userId, { ...who, connections: 1 });
  }

  /** One connection fewer; rooms and identities with none are forgotten. */
  remove(room: string, userId: string): void {
    const share = this.rooms.get(room);
    const entry = share?.get(userId);
    if (!share || !entry) return;
    entry.connections -= 1;
    if (entry.connections > 0) return;
    share.delete(userId);
    if (share.size > 0) return;
    this.rooms.delete(room);
    this.emptied.add(room);
  }

  /** Whether this node has connections in `room`. */
  has(room: string): boolean {
    return this.rooms.has(room);
  }

  /**
   * The rooms this node left since the last call (it may be back in some): the
   * reconciler visits them once more, since a directory write that raced the
   * last leave may have listed a room that is empty now.
   */
  takeEmptied(): string[] {
    const rooms = [...this.emptied];
    this.emptied = new Set();
    return rooms;
  }

  /** The rooms this node has connections in. */
  roomNames(): string[] {
    return [...this.rooms.keys()];
  }

  /** This node's identities in `room` (empty when none). */
  share(room: string): LocalShareEntry[] {
    return [...(this.rooms.get(room)?.values() ?? [])].map((entry) => ({ ...entry }));
  }
}
