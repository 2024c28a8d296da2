import { describe, expect, it } from 'vitest';
import { asNodeId } from './ids.js';
import { Ring } from './ring.js';
import { ringShares } from './ring-share.js';

describe('ringShares', () => {
  it('gives every node its share, summing to one, about equal for equal weights', () => {
    const ring = new Ring(['node1', 'node2', 'node3'].map(asNodeId), 1);
    const shares = ringShares(ring, 3000);
    expect([...shares.keys()]).toEqual(['node1', 'node2', 'node3']);
    const values = [...shares.values()];
    expect(values.reduce((sum, share) => sum + share, 0)).toBeCloseTo(1, 9);
    for (const share of values) expect(share).toBeGreaterThan(0.2);
  });

  it('gives a lone node everything', () => {
    expect(ringShares(new Ring([asNodeId('solo')], 1), 100).get(asNodeId('solo'))).toBe(1);
  });
});
