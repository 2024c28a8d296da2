import { describe, expect, it } from 'vitest';
import { RecordingLog } from '@app/logging';
import { ClusterMessageType } from './cluster-messages.js';
import { asNodeId, type NodeId, type SessionId } from './ids.js';
import type { PinStore } from './pin-store.js';
import { PinTable } from './pin-table.js';

const [self, peer, other] = ['node1', 'node2', 'node3'].map(asNodeId);
const sid = (name: string) => name.padEnd(20, '_') as SessionId;

/** Pins in memory: one set per host node, as in Redis. */
class FakePinStore implements PinStore {
  readonly sets = new Map<NodeId, Set<SessionId>>();
  failure?: Error;

  add(node: NodeId, pinned: SessionId): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    let set = this.sets.get(node);
    if (!set) this.sets.set(node, (set = new Set()));
    set.add(pinned);
    return Promise.resolve();
  }

  remove(node: NodeId, pinned: SessionId): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    this.sets.get(node)?.delete(pinned);
    return Promise.resolve();
  }

  sessionsOf(node: NodeId): Promise<SessionId[]> {
    return Promise.resolve([...(this.sets.get(node) ?? [])]);
  }
}

function table() {
  const store = new FakePinStore();
  const log = new RecordingLog();
  return { store, log, pins: new PinTable(self, store, log) };
}

const pinned = (node: NodeId, s: SessionId) => ({ type: ClusterMessageType.Pinned, node, sid: s }) as const;
const unpinned = (node: NodeId, s: SessionId) =>
  ({ type: ClusterMessageType.Unpinned, node, sid: s }) as const;

describe('PinTable', () => {
  it('pins a local session in memory and in the store', async () => {
    const { store, pins } = table();
    await pins.pinLocal(sid('a'));
    expect(pins.lookup(sid('a'))).toBe(self);
    expect(pins.size).toBe(1);
    expect(await store.sessionsOf(self)).toEqual([sid('a')]);
  });

  it('unpins a closed local session in memory and in the store', async () => {
    const { store, pins } = table();
    await pins.pinLocal(sid('a'));
    pins.unpinLocal(sid('a'));
    await Promise.resolve();
    expect(pins.lookup(sid('a'))).toBeUndefined();
    expect(pins.size).toBe(0);
    expect(await store.sessionsOf(self)).toEqual([]);
  });

  it('does not touch the store to unpin a session it never pinned', () => {
    const { store, pins } = table();
    store.failure = new Error('must not be called');
    pins.unpinLocal(sid('a'));
    expect(pins.size).toBe(0);
  });

  it('forgets a local pin even when the store cannot erase it, and says so', async () => {
    const { store, log, pins } = table();
    await pins.pinLocal(sid('a'));
    store.failure = new Error('connection lost');
    pins.unpinLocal(sid('a'));
    expect(pins.lookup(sid('a'))).toBeUndefined();
    await new Promise((resolve) => setImmediate(resolve));
    expect(log.at('warn')).toEqual([`could not erase pin of ${sid('a')}: connection lost`]);
  });

  it("learns a peer's pins and unpins from its messages", () => {
    const { pins } = table();
    pins.onMessage(pinned(peer, sid('b')));
    expect(pins.lookup(sid('b'))).toBe(peer);
    pins.onMessage(unpinned(peer, sid('b')));
    expect(pins.lookup(sid('b'))).toBeUndefined();
  });

  it('ignores its own messages coming back', async () => {
    const { pins } = table();
    await pins.pinLocal(sid('a'));
    pins.onMessage(unpinned(self, sid('a')));
    expect(pins.lookup(sid('a'))).toBe(self);
  });

  it('loads the pins of the peers it is given, never its own', async () => {
    const { store, pins } = table();
    await store.add(self, sid('stale'));
    await store.add(peer, sid('b'));
    await store.add(other, sid('c'));
    await pins.loadFrom([self, peer]);
    expect(pins.lookup(sid('stale'))).toBeUndefined();
    expect(pins.lookup(sid('b'))).toBe(peer);
    expect(pins.lookup(sid('c'))).toBeUndefined();
  });

  it('forgets every pin of a node that left (its pins expire with it), and only those', () => {
    const { pins } = table();
    pins.onMessage(pinned(peer, sid('b1')));
    pins.onMessage(pinned(peer, sid('b2')));
    pins.onMessage(pinned(other, sid('c')));
    expect(pins.dropNode(peer)).toBe(2);
    expect(pins.lookup(sid('b1'))).toBeUndefined();
    expect(pins.lookup(sid('c'))).toBe(other);
    expect(pins.dropNode(peer)).toBe(0);
  });

  it('moves a pin that a second node claims: the first node leaving does not take it along', () => {
    const { pins } = table();
    pins.onMessage(pinned(peer, sid('x')));
    pins.onMessage(pinned(other, sid('x')));
    expect(pins.lookup(sid('x'))).toBe(other);
    expect(pins.dropNode(peer)).toBe(0);
    expect(pins.lookup(sid('x'))).toBe(other);
    expect(pins.size).toBe(1);
  });
});
