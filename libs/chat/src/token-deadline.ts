/** The longest delay setTimeout keeps (about 24.8 days); longer ones fire at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export interface TokenDeadlineOptions {
  /** Warn at most this long before the expiry (less for short tokens: half their remaining life). @default 60_000 */
  warnLeadMs?: number;
  /** Told once, before the expiry, while a fresh token can still be sent. */
  onWarn: (expiresAt: number) => void;
  /** The token expired without a fresh one: the connection must end. */
  onExpire: () => void;
  /** @default Date.now */
  now?: () => number;
}

/**
 * The two timers of a token user's connection: a warning ahead of the token's
 * expiry, then the expiry itself. A refresh moves both; closing clears both.
 */
export class TokenDeadline {
  private warnTimer?: ReturnType<typeof setTimeout>;
  private expireTimer?: ReturnType<typeof setTimeout>;
  private readonly now: () => number;
  private readonly warnLeadMs: number;

  constructor(private readonly options: TokenDeadlineOptions) {
    this.now = options.now ?? Date.now;
    this.warnLeadMs = options.warnLeadMs ?? 60_000;
  }

  /** (Re)starts both timers for a token expiring at `expiresAt` (ms since the epoch). */
  schedule(expiresAt: number): void {
    this.clear();
    const remaining = expiresAt - this.now();
    const lead = Math.min(this.warnLeadMs, Math.max(0, remaining) / 2);
    if (remaining > 0) {
      this.warnTimer = this.at(expiresAt - lead, () => this.options.onWarn(expiresAt), 'warn');
    }
    this.expireTimer = this.at(expiresAt, () => this.options.onExpire(), 'expire');
  }

  clear(): void {
    clearTimeout(this.warnTimer);
    clearTimeout(this.expireTimer);
    this.warnTimer = this.expireTimer = undefined;
  }

  /** A timer for a moment possibly weeks away: long waits go in steps setTimeout can hold. */
  private at(when: number, run: () => void, which: 'warn' | 'expire'): ReturnType<typeof setTimeout> {
    const delay = Math.max(0, when - this.now());
    const timer = setTimeout(
      () => {
        if (this.now() < when) {
          const next = this.at(when, run, which);
          if (which === 'warn') this.warnTimer = next;
          else this.expireTimer = next;
        } else run();
      },
      Math.min(delay, MAX_TIMER_MS),
    );
    // A pending expiry never keeps a closing node alive.
    timer.unref?.();
    return timer;
  }
}
