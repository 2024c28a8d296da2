import type { SessionId } from '@app/cluster';

export interface CloseTombstonesOptions {
  /** How long a session closed by its client is remembered. @default 2000 */
  windowMs?: number;
  /** Most sessions remembered at once; past it the oldest is forgotten first. @default 10000 */
  capacity?: number;
}

export const CLOSE_TOMBSTONE_DEFAULTS: Required<CloseTombstonesOptions> = {
  windowMs: 2000,
  capacity: 10_000,
};

interface Tombstone {
  /** The session's Engine.IO protocol revision (3 or 4): how its no-op is encoded. */
  protocol: number;
  expiresAt: number;
}

/**
 * Sessions their own client closed (a close packet) while none of their polls
 * was waiting, for a short window: a poll of theirs that was still on its way,
 * through a relaying node, is answered as if it had been waiting (a no-op), once.
 * Forgetting one early (window over, capacity) only means that poll gets
 * engine.io's 400, as it did before; so the memory stays small.
 */
export class CloseTombstones {
  // One window for all, so insertion order is expiry order: expired entries sit at the front.
  private readonly tombstones = new Map<SessionId, Tombstone>();
  private readonly options: Required<CloseTombstonesOptions>;

  constructor(options: CloseTombstonesOptions = {}) {
    this.options = { ...CLOSE_TOMBSTONE_DEFAULTS, ...options };
  }

  get size(): number {
    return this.tombstones.size;
  }

  /** Remembers that `sid`'s client closed it at `now`. */
  remember(sid: SessionId, protocol: number, now: number): void {
    this.evictExpired(now);
    this.tombstones.delete(sid);
    if (this.tombstones.size >= this.options.capacity) this.evictOldest();
    this.tombstones.set(sid, { protocol, expiresAt: now + this.options.windowMs });
  }

  /** The protocol of `sid` if its client closed it within the window; then forgets it. */
  take(sid: SessionId, now: number): number | undefined {
    this.evictExpired(now);
    const tombstone = this.tombstones.get(sid);
    if (!tombstone) return undefined;
    this.tombstones.delete(sid);
    return tombstone.protocol;
  }

  private evictExpired(now: number): void {
    for (const [sid, { expiresAt }] of this.tombstones) {
      if (expiresAt > now) return;
      this.tombstones.delete(sid);
    }
  }

  private evictOldest(): void {
    const oldest = this.tombstones.keys().next();
    if (!oldest.done) this.tombstones.delete(oldest.value);
  }
}

/** A payload of one no-op packet, as a polling response of that protocol encodes it. */
export function noopPayload(protocol: number): string {
  // EIO4 separates packets with \x1e, so one packet is bare; EIO3 prefixes each with its length.
  return protocol === 3 ? '1:6' : '6';
}
