/**
 * A token bucket: `burst` tokens, refilled at `perSecond`. Each event takes one;
 * an event finding the bucket empty is refused. Time is passed in for testing.
 */
export class TokenBucket {
  private tokens: number;
  private updatedAt: number;

  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
    now = Date.now(),
  ) {
    this.tokens = burst;
    this.updatedAt = now;
  }

  take(now = Date.now()): boolean {
    this.refill(now);
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  /**
   * Takes `count` more tokens for an event already let through (a resume pays
   * per room): the bucket may go below zero, and the connection's next events
   * wait until it has refilled past that debt.
   */
  charge(count: number, now = Date.now()): void {
    this.refill(now);
    this.tokens -= count;
  }

  private refill(now: number): void {
    const elapsed = Math.max(0, now - this.updatedAt);
    this.tokens = Math.min(this.burst, this.tokens + (elapsed * this.perSecond) / 1000);
    this.updatedAt = now;
  }
}
