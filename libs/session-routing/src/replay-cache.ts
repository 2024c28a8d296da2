/** What the cache says of a nonce: first time seen, seen before, or no room to remember it. */
export type Admission = 'fresh' | 'replayed' | 'full';

/**
 * The nonces of peer signatures still inside their time window, so each is
 * accepted once. Bounded: at `capacity` it refuses new nonces rather than
 * forget live ones (forgetting would let a replay through).
 */
export class ReplayCache {
  // Insertion order is expiry order (see admit), so expired entries sit at the front.
  private readonly expiries = new Map<string, number>();
  private latestExpiry = 0;

  constructor(readonly capacity: number) {}

  get size(): number {
    return this.expiries.size;
  }

  /** Remembers `nonce` until at least `expiresAt`, unless seen before or the cache is full. */
  admit(nonce: string, expiresAt: number, now: number): Admission {
    this.evictExpired(now);
    if (this.expiries.has(nonce)) return 'replayed';
    if (this.expiries.size >= this.capacity) return 'full';
    // Never earlier than the entry before it: keeping one a little longer is safe,
    // and the front of the map is then always the next to expire.
    this.latestExpiry = Math.max(this.latestExpiry, expiresAt);
    this.expiries.set(nonce, this.latestExpiry);
    return 'fresh';
  }

  private evictExpired(now: number): void {
    for (const [nonce, expiresAt] of this.expiries) {
      if (expiresAt >= now) return;
      this.expiries.delete(nonce);
    }
  }
}
