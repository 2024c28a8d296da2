import { describe, expect, it } from 'vitest';
import { asNodeId, parseSessionId, type SessionId } from './ids.js';
import { Ring } from './ring.js';
import { mintSessionIdFor, randomSessionId, randomSessionIdFrom } from './session-ids.js';

const [n1, n2, n3, n4] = ['node1', 'node2', 'node3', 'node4'].map(asNodeId);

function sids(count: number): SessionId[] {
  return Array.from({ length: count }, () => randomSessionId());
}

describe('Ring', () => {
  it('gives every node a fair share of sessions', () => {
    const ring = new Ring([n1, n2, n3], 1);
    const counts = new Map<string, number>();
    for (const sid of sids(30_000)) counts.set(ring.ownerOf(sid), (counts.get(ring.ownerOf(sid)) ?? 0) + 1);
    expect([...counts.keys()].sort()).toEqual(['node1', 'node2', 'node3']);
    for (const count of counts.values()) expect(count).toBeGreaterThan(7000);
  });

  it('is deterministic and independent of the order nodes are listed in', () => {
    const a = new Ring([n1, n2, n3], 1);
    const b = new Ring([n3, n1, n2, n2], 1);
    for (const sid of sids(1000)) expect(a.ownerOf(sid)).toBe(b.ownerOf(sid));
    expect(b.nodes).toEqual(['node1', 'node2', 'node3']);
  });

  it('moves only about a quarter of the sessions when a fourth node joins, all to it', () => {
    const before = new Ring([n1, n2, n3], 1);
    const after = new Ring([n1, n2, n3, n4], 2);
    let moved = 0;
    const all = sids(20_000);
    for (const sid of all) {
      if (before.ownerOf(sid) !== after.ownerOf(sid)) {
        moved += 1;
        expect(after.ownerOf(sid)).toBe('node4');
      }
    }
    expect(moved / all.length).toBeGreaterThan(0.15);
    expect(moved / all.length).toBeLessThan(0.35);
  });

  it('refuses to be empty', () => {
    expect(() => new Ring([], 1)).toThrow(/at least one node/);
  });

  it('describes itself for the logs', () => {
    expect(new Ring([n2, n1], 7).toString()).toBe('ring epoch 7: node1 node2');
  });
});

describe('session ids', () => {
  it('mints ids in engine.io format that the ring maps to the minting node', () => {
    const ring = new Ring([n1, n2, n3], 1);
    for (const self of [n1, n2, n3]) {
      for (let i = 0; i < 200; i++) {
        const sid = mintSessionIdFor(ring, self)!;
        expect(parseSessionId(sid)).toBe(sid);
        expect(ring.ownerOf(sid)).toBe(self);
      }
    }
  });

  it('prefixes each minted sid with the minting node and a dot, then 20 random characters', () => {
    const ring = new Ring([n1, n2, n3], 1);
    const sids = Array.from({ length: 50 }, () => mintSessionIdFor(ring, n2)!);
    for (const sid of sids) expect(sid).toMatch(/^node2\.[A-Za-z0-9_-]{20}$/);
    expect(new Set(sids).size).toBe(sids.length);
    expect(randomSessionIdFrom(n3)).toMatch(/^node3\.[A-Za-z0-9_-]{20}$/);
  });

  it('cannot mint for a node that is not on the ring', () => {
    expect(mintSessionIdFor(new Ring([n1], 1), n2)).toBeUndefined();
  });

  it.each(['', 'short', 'a'.repeat(21), 'with/slash/in/it/xx', '../../../etc/passwd!'])(
    'rejects sid %j',
    (sid) => {
      expect(parseSessionId(sid)).toBeUndefined();
    },
  );
});
