/**
 * Lets one line through per key per interval: a dependency that is down fails
 * on every retry or tick, and one line every few seconds says as much.
 */
export class LogThrottle {
  private readonly lastLoggedAt = new Map<string, number>();

  /**
   * @param intervalMs the least time between two lines of one key. @default 5000
   * @param now the clock, for tests. @default Date.now
   */
  constructor(
    private readonly intervalMs = 5000,
    private readonly now: () => number = Date.now,
  ) {}

  /** True when a line for `key` may go out now; the caller then logs it. */
  allow(key = ''): boolean {
    const now = this.now();
    const last = this.lastLoggedAt.get(key);
    if (last !== undefined && now - last < this.intervalMs) return false;
    this.lastLoggedAt.set(key, now);
    return true;
  }
}
