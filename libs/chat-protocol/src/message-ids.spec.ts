import { describe, expect, it } from 'vitest';
import { compareMessageIds } from './message-ids.js';

describe('compareMessageIds', () => {
  it('orders by time, then by sequence', () => {
    expect(compareMessageIds('1-0', '2-0')).toBeLessThan(0);
    expect(compareMessageIds('2-0', '1-5')).toBeGreaterThan(0);
    expect(compareMessageIds('7-1', '7-2')).toBeLessThan(0);
    expect(compareMessageIds('7-2', '7-2')).toBe(0);
  });

  it('compares numbers, not text', () => {
    expect(compareMessageIds('9-0', '10-0')).toBeLessThan(0);
    expect(compareMessageIds('5-10', '5-9')).toBeGreaterThan(0);
  });
});
