import { describe, expect, it, vi } from 'vitest';
import { asNodeId, type SessionId } from '@app/cluster';
import { RelayedWebSockets } from './relayed-websockets.js';

const node2 = asNodeId('node2');
const node3 = asNodeId('node3');
const sid = (name: string) => name as SessionId;

describe('RelayedWebSockets', () => {
  it('groups open relays by owner and forgets each when it ends', () => {
    const relays = new RelayedWebSockets();
    const endA = relays.add(sid('a'), node2);
    relays.add(sid('b'), node3);
    relays.add(sid('c'), node2);
    endA();
    expect(relays.size).toBe(2);
    expect(relays.byOwnerThenWatch(() => undefined)).toEqual(
      new Map([
        [node3, ['b']],
        [node2, ['c']],
      ]),
    );
  });

  it('reports a relay that starts after the watch began, and only that one', () => {
    const relays = new RelayedWebSockets();
    relays.add(sid('early'), node2);
    const watcher = vi.fn();
    relays.byOwnerThenWatch(watcher);
    relays.add(sid('late'), node3);
    expect(watcher.mock.calls).toEqual([[node3, 'late']]);
  });

  it('keeps a newer relay of the same session when the older one ends', () => {
    const relays = new RelayedWebSockets();
    const endOld = relays.add(sid('a'), node2);
    relays.add(sid('a'), node3);
    endOld();
    expect(relays.byOwnerThenWatch(() => undefined)).toEqual(new Map([[node3, ['a']]]));
  });
});
