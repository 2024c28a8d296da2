import { describe, expect, it } from 'vitest';
import { asNodeId, Ring, type Member } from '@app/cluster';
import { ClusterStats } from './cluster-stats.js';
import type { NodeStats, NodeStatsStore } from './node-stats.js';

const NOW = 1_000_000;

function stats(node: string, polling: number, websocket: number, rooms: NodeStats['rooms'] = []): NodeStats {
  return {
    node,
    url: `http://${node}`,
    at: NOW - 500,
    sessions: { polling, websocket },
    messagesPerSec: 1,
    deliveriesPerSec: 2,
    rooms,
    leaving: false,
    eventLoopLag: { p99Ms: 1, maxMs: 2 },
  };
}

function member(id: string): [ReturnType<typeof asNodeId>, Member] {
  return [asNodeId(id), { id: asNodeId(id), url: `http://${id}`, startedAt: 0, instance: id }];
}

describe('ClusterStats', () => {
  it('adds every member: its own stats fresh, the others as published, a silent one as unreported', async () => {
    const published: Record<string, NodeStats> = {
      node2: stats('node2', 1, 4, [{ room: 'a', messages: 2, deliveries: 4 }]),
    };
    const store = {
      read: async (nodes: string[]) => nodes.map((node) => published[node]),
    } as unknown as NodeStatsStore;
    const cluster = {
      self: asNodeId('node1'),
      ring: new Ring(['node1', 'node2', 'node3'].map(asNodeId), 5),
      epoch: 5,
      members: () => new Map([member('node1'), member('node2'), member('node3')]),
      recentEvents: () => [{ kind: 'joined' as const, node: asNodeId('node3'), epoch: 5, at: NOW }],
    };
    const local = () => stats('node1', 2, 0, [{ room: 'a', messages: 1, deliveries: 1 }]);
    const summary = await new ClusterStats(cluster, store, local, () => NOW).gather();
    expect(summary.sessions).toBe(7);
    expect(summary.sessionsByTransport).toEqual({ polling: 3, websocket: 4 });
    expect(summary.messagesPerSec).toBe(2);
    expect(summary.nodes.map(({ id, sessions, reported }) => [id, sessions, reported])).toEqual([
      ['node1', 2, true],
      ['node2', 5, true],
      ['node3', 0, false],
    ]);
    expect(summary.nodes[1].ageMs).toBe(500);
    expect(summary.rooms).toEqual([{ room: 'a', messages: 3, deliveries: 5 }]);
    expect(summary.partial).toBe(false);
    expect(summary.events).toEqual([
      { kind: 'joined', node: 'node3', epoch: 5, at: new Date(NOW).toISOString() },
    ]);
  });

  it('answers with its own stats, marked partial, when Redis cannot be read', async () => {
    const store = {
      read: () => Promise.reject(new Error('redis not connected')),
    } as unknown as NodeStatsStore;
    const cluster = {
      self: asNodeId('node1'),
      ring: new Ring(['node1', 'node2'].map(asNodeId), 2),
      epoch: 2,
      members: () => new Map([member('node1'), member('node2')]),
      recentEvents: () => [],
    };
    const summary = await new ClusterStats(
      cluster,
      store,
      () => stats('node1', 1, 1),
      () => NOW,
    ).gather();
    expect(summary).toMatchObject({ partial: true, sessions: 2 });
    expect(summary.nodes.map((node) => node.reported)).toEqual([true, false]);
  });
});
