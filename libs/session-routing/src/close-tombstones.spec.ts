import { describe, expect, it } from 'vitest';
import type { SessionId } from '@app/cluster';
import { CloseTombstones, noopPayload } from './close-tombstones.js';

const sid = (name: string) => name as SessionId;

describe('CloseTombstones', () => {
  it('gives a closed session its protocol once', () => {
    const tombstones = new CloseTombstones();
    tombstones.remember(sid('a'), 4, 1000);
    expect(tombstones.take(sid('a'), 1500)).toBe(4);
    expect(tombstones.take(sid('a'), 1500)).toBeUndefined();
    expect(tombstones.take(sid('b'), 1500)).toBeUndefined();
  });

  it('forgets a session when its window (2 s by default) is over', () => {
    const tombstones = new CloseTombstones();
    tombstones.remember(sid('a'), 3, 1000);
    tombstones.remember(sid('b'), 4, 2500);
    expect(tombstones.take(sid('a'), 3000)).toBeUndefined();
    expect(tombstones.take(sid('b'), 4499)).toBe(4);
    expect(tombstones.size).toBe(0);
  });

  it('stays within its capacity by forgetting the oldest first', () => {
    const tombstones = new CloseTombstones({ capacity: 2, windowMs: 100 });
    for (const name of ['a', 'b', 'c']) tombstones.remember(sid(name), 4, 0);
    expect(tombstones.size).toBe(2);
    expect(tombstones.take(sid('a'), 50)).toBeUndefined();
    expect([tombstones.take(sid('b'), 50), tombstones.take(sid('c'), 50)]).toEqual([4, 4]);
  });
});

describe('noopPayload', () => {
  it('encodes one no-op packet as each protocol polls it', () => {
    expect(noopPayload(4)).toBe('6');
    expect(noopPayload(3)).toBe('1:6');
  });
});
