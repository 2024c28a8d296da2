import { describe, expect, it } from 'vitest';
import { TokenBucket } from './token-bucket.js';

describe('TokenBucket', () => {
  it('allows a burst, then refuses', () => {
    const bucket = new TokenBucket(20, 40, 0);
    const allowed = Array.from({ length: 50 }, () => bucket.take(0)).filter(Boolean).length;
    expect(allowed).toBe(40);
  });

  it('refills at the sustained rate, never above the burst', () => {
    const bucket = new TokenBucket(20, 40, 0);
    for (let i = 0; i < 40; i++) bucket.take(0);
    expect(bucket.take(0)).toBe(false);
    // 500 ms at 20/s = 10 tokens.
    const after = Array.from({ length: 15 }, () => bucket.take(500)).filter(Boolean).length;
    expect(after).toBe(10);
    // A long idle time refills to the burst only.
    const later = Array.from({ length: 100 }, () => bucket.take(1_000_000)).filter(Boolean).length;
    expect(later).toBe(40);
  });
});

describe('TokenBucket.charge', () => {
  it('goes into debt, which later events wait out', () => {
    const bucket = new TokenBucket(20, 40, 0);
    expect(bucket.take(0)).toBe(true);
    bucket.charge(49, 0);
    // 39 - 49 = -10 tokens: refused until 11 have refilled (550 ms at 20/s).
    expect(bucket.take(500)).toBe(false);
    expect(bucket.take(560)).toBe(true);
  });
});
