import { describe, expect, it } from 'vitest';
import type { Log } from '@app/logging';
import { LocalPresence } from './local-presence.js';
import { PresenceReconciler } from './presence-reconciler.js';
import type { PresenceRepair, ShareRepair } from './presence-repair.js';

const quiet = { debug() {}, info() {}, warn() {}, error() {} } as unknown as Log;
const ann = { userId: 'u-ann', user: 'ann', guest: true };

/** A repair that records what it is asked and answers from a script of its own. */
function fakeRepair(options: { roomsInRedis?: string[]; nodesWithShares?: string[]; left?: string[] } = {}) {
  const rewrites: Array<{ room: string; ids: string[] }> = [];
  const repair = {
    rewriteShare: (room: string, _node: string, share: Array<{ userId: string }>) => {
      rewrites.push({ room, ids: share.map((who) => who.userId) });
      const left = (options.left ?? []).map((userId) => ({ userId, user: userId, guest: true }));
      return Promise.resolve({ room, joined: [], left });
    },
    roomsOf: () => Promise.resolve(options.roomsInRedis ?? []),
    nodesWithShares: () => Promise.resolve(options.nodesWithShares ?? []),
    onReady: () => () => undefined,
  };
  return { repair: repair as unknown as PresenceRepair, rewrites };
}

function reconcilerWith(repair: PresenceRepair, local = new LocalPresence()) {
  const announced: ShareRepair[] = [];
  const dropped: string[] = [];
  const reconciler = new PresenceReconciler(
    repair,
    local,
    { node: 'node1', intervalMs: 5000 },
    {
      announce: (change) => announced.push(change),
      dropNode: (node) => Promise.resolve(void dropped.push(node)),
      log: quiet,
    },
  );
  return { reconciler, announced, dropped };
}

describe('PresenceReconciler', () => {
  it('rewrites the rooms it has connections in and the rooms Redis says it has', async () => {
    const local = new LocalPresence();
    local.add('lobby', ann);
    const { repair, rewrites } = fakeRepair({ roomsInRedis: ['stale', 'lobby'] });
    await reconcilerWith(repair, local).reconciler.round();
    expect(rewrites).toEqual([
      { room: 'lobby', ids: ['u-ann'] },
      { room: 'stale', ids: [] },
    ]);
  });

  it('announces only rooms where something changed', async () => {
    const { repair } = fakeRepair({ roomsInRedis: ['stale'], left: ['u-ghost'] });
    const { reconciler, announced } = reconcilerWith(repair);
    await reconciler.round();
    expect(announced).toEqual([
      { room: 'stale', joined: [], left: [{ userId: 'u-ghost', user: 'u-ghost', guest: true }] },
    ]);
  });

  it('drops a node that holds a share without being a member, two rounds in a row', async () => {
    const { repair } = fakeRepair({ nodesWithShares: ['node1', 'node2', 'node9'] });
    const { reconciler, dropped } = reconcilerWith(repair);
    reconciler.watchNodes(() => ['node1', 'node2']);
    await reconciler.round();
    expect(dropped).toEqual([]);
    await reconciler.round();
    expect(dropped).toEqual(['node9']);
  });

  it('drops nothing while it does not see itself among the members', async () => {
    const { repair } = fakeRepair({ nodesWithShares: ['node1', 'node9'] });
    const { reconciler, dropped } = reconcilerWith(repair);
    reconciler.watchNodes(() => ['node2']);
    await reconciler.round();
    await reconciler.round();
    expect(dropped).toEqual([]);
  });
});
