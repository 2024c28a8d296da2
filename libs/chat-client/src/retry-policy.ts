/** How often, and how far apart, the client retries a request that got no useful answer. */
export interface RetryPolicyOptions {
  /** Wait before the second attempt. @default 500 */
  initialDelayMs?: number;
  /** Each wait is this many times the one before. @default 2 */
  factor?: number;
  /** Longest wait. @default 8000 */
  maxDelayMs?: number;
  /** Attempts in all, the first one included; then the client gives up and says so. @default 8 */
  maxAttempts?: number;
}

export const RETRY_DEFAULTS: Required<RetryPolicyOptions> = {
  initialDelayMs: 500,
  factor: 2,
  maxDelayMs: 8000,
  maxAttempts: 8,
};

/** Exponential back-off with a cap and a bound: 500 ms, 1 s, 2 s, 4 s, 8 s, 8 s, … */
export class RetryPolicy {
  private readonly options: Required<RetryPolicyOptions>;

  constructor(options: RetryPolicyOptions = {}) {
    this.options = { ...RETRY_DEFAULTS, ...options };
  }

  /** The wait after failed attempt number `attempt` (1 for the first), or undefined: give up. */
  delayAfter(attempt: number): number | undefined {
    return this.exhausted(attempt) ? undefined : this.backoff(attempt);
  }

  /** The wait after failed attempt number `attempt`, however many there were. */
  backoff(attempt: number): number {
    const { initialDelayMs, factor, maxDelayMs } = this.options;
    return Math.min(initialDelayMs * factor ** (Math.max(attempt, 1) - 1), maxDelayMs);
  }

  /** `attempts` failed tries use up the bound. */
  exhausted(attempts: number): boolean {
    return attempts >= this.options.maxAttempts;
  }
}
