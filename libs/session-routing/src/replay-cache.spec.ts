import { describe, expect, it } from 'vitest';
import { ReplayCache } from './replay-cache.js';

/** A cache holding `nonces`, each admitted at time 0 to expire at the given time. */
function cacheWith(capacity: number, nonces: Record<string, number>): ReplayCache {
  const cache = new ReplayCache(capacity);
  for (const [nonce, expiresAt] of Object.entries(nonces)) cache.admit(nonce, expiresAt, 0);
  return cache;
}

describe('ReplayCache', () => {
  it('admits a nonce once, and refuses it again while it is remembered', () => {
    const cache = new ReplayCache(10);
    expect(cache.admit('a', 1000, 0)).toBe('fresh');
    expect([cache.admit('a', 1000, 500), cache.admit('a', 1000, 1000)]).toEqual(['replayed', 'replayed']);
  });

  it('forgets a nonce once its time has passed', () => {
    const cache = cacheWith(10, { a: 1000, b: 2000 });
    expect(cache.admit('c', 3000, 1001)).toBe('fresh');
    expect(cache.size).toBe(2);
  });

  it('refuses new nonces when full, rather than forget live ones; room again once they expire', () => {
    const cache = cacheWith(2, { a: 1000, b: 1000 });
    expect(cache.admit('c', 1000, 10)).toBe('full');
    expect(cache.admit('a', 1000, 10)).toBe('replayed');
    expect(cache.size).toBe(2);
    expect(cache.admit('c', 3000, 1001)).toBe('fresh');
  });

  it('keeps an entry at least as long as the one before it, so eviction stays in order', () => {
    const cache = cacheWith(10, { late: 5000, early: 1000 });
    expect(cache.admit('next', 6000, 2000)).toBe('fresh');
    // 'early' is kept until 5000 with 'late', not dropped out of order or forgotten.
    expect(cache.admit('early', 1000, 2000)).toBe('replayed');
    expect(cache.admit('other', 7000, 5001)).toBe('fresh');
    expect(cache.size).toBe(2);
  });
});
