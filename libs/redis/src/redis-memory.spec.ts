import { describe, expect, it } from 'vitest';
import { parseMemoryInfo, refusesWrites } from './redis-memory.js';

const info = (used: number, max: number, policy = 'noeviction', notCounted = 0): string =>
  [
    '# Memory',
    `used_memory:${used}`,
    'used_memory_human:2.00M',
    `maxmemory:${max}`,
    `maxmemory_policy:${policy}`,
    `mem_not_counted_for_evict:${notCounted}`,
    '',
  ].join('\r\n');

describe('Redis memory', () => {
  it('reads the fields of INFO memory', () => {
    expect(parseMemoryInfo(info(3_000_000, 2_097_152))).toEqual({
      used: 3_000_000,
      max: 2_097_152,
      notCounted: 0,
      policy: 'noeviction',
    });
  });

  it('refuses writes over maxmemory under noeviction or volatile-*, not under allkeys-*', () => {
    expect(refusesWrites(parseMemoryInfo(info(3_000_000, 2_097_152)))).toBe(true);
    expect(refusesWrites(parseMemoryInfo(info(3_000_000, 2_097_152, 'volatile-lru')))).toBe(true);
    expect(refusesWrites(parseMemoryInfo(info(3_000_000, 2_097_152, 'allkeys-lru')))).toBe(false);
  });

  it('accepts writes below the limit, with no limit, and leaves out the buffers Redis does not count', () => {
    expect(refusesWrites(parseMemoryInfo(info(1_000_000, 2_097_152)))).toBe(false);
    expect(refusesWrites(parseMemoryInfo(info(9_000_000, 0)))).toBe(false);
    expect(refusesWrites(parseMemoryInfo(info(3_000_000, 2_097_152, 'noeviction', 1_000_000)))).toBe(false);
  });
});
