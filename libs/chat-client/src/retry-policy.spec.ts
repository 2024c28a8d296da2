import { describe, expect, it } from 'vitest';
import { RetryPolicy } from './retry-policy.js';

describe('RetryPolicy', () => {
  it('doubles from 500 ms up to 8 s, then gives up after the last attempt', () => {
    const policy = new RetryPolicy();
    const delays = Array.from({ length: 8 }, (_, i) => policy.delayAfter(i + 1));
    expect(delays).toEqual([500, 1000, 2000, 4000, 8000, 8000, 8000, undefined]);
  });

  it('takes its numbers from the options', () => {
    const policy = new RetryPolicy({ initialDelayMs: 100, factor: 3, maxDelayMs: 500, maxAttempts: 4 });
    expect([1, 2, 3, 4].map((n) => policy.delayAfter(n))).toEqual([100, 300, 500, undefined]);
  });

  it('backs off without a bound for what must not be given up', () => {
    const policy = new RetryPolicy({ maxAttempts: 2 });
    expect([1, 2, 3, 10, 100].map((n) => policy.backoff(n))).toEqual([500, 1000, 2000, 8000, 8000]);
    expect([1, 2].map((n) => policy.exhausted(n))).toEqual([false, true]);
  });
});
