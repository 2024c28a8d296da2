import { compareMessageIds } from '@app/chat-protocol';

/**
 * Per room, how far this node's members are known to have its messages: the
 * newest one the node handed them, or, before any, the lowest id a joining
 * member was caught up to. After the node's subscriber was disconnected, what
 * Redis stored past this mark is what its members may have missed.
 */
export class RoomWatermarks {
  private readonly received = new Map<string, string>();
  private readonly floors = new Map<string, string>();

  /** The node handed its members `id` (live, or recovered). */
  delivered(room: string, id: string): void {
    const known = this.received.get(room);
    if (known === undefined || compareMessageIds(id, known) > 0) this.received.set(room, id);
  }

  /**
   * A member joined having the room up to `upTo`. Once the node has handed out
   * a message it stays the mark: a later joiner got what came before it too.
   */
  caughtUp(room: string, upTo: string): void {
    if (this.received.has(room)) return;
    const floor = this.floors.get(room);
    if (floor === undefined || compareMessageIds(upTo, floor) < 0) this.floors.set(room, upTo);
  }

  /** Where a recovery of `room` reads from; undefined if no member was ever caught up here. */
  since(room: string): string | undefined {
    return this.received.get(room) ?? this.floors.get(room);
  }

  forget(room: string): void {
    this.received.delete(room);
    this.floors.delete(room);
  }
}
