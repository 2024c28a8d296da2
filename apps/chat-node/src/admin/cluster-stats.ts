import { ringShares, type ClusterView, type MembershipEvent, type NodeId, type Ring } from '@app/cluster';
import { topRooms, type RoomActivity } from './node-activity.js';
import type { NodeStats, NodeStatsStore } from './node-stats.js';

/** One member as the cluster-wide views show it. */
export interface NodeSummary {
  id: string;
  url: string;
  /** Fraction of new sessions the ring gives this node (0..1). */
  ringShare: number;
  /** False when the node has published no stats lately: its numbers below are zeros. */
  reported: boolean;
  /** How old its stats are, ms. */
  ageMs: number | null;
  sessions: number;
  sessionsByTransport: Record<string, number>;
  messagesPerSec: number;
  deliveriesPerSec: number;
  leaving: boolean;
  eventLoopLag: NodeStats['eventLoopLag'] | null;
}

/** The whole cluster, gathered from every member's published stats. */
export interface ClusterSummary {
  epoch: number;
  /** Sessions on all nodes, and by transport. */
  sessions: number;
  sessionsByTransport: Record<string, number>;
  messagesPerSec: number;
  deliveriesPerSec: number;
  nodes: NodeSummary[];
  /** The busiest rooms of the last minute, summed over the nodes. */
  rooms: RoomActivity[];
  /** True when the other nodes' stats could not be read (Redis away): only this node's are real. */
  partial: boolean;
  /** Joins, graceful leaves and expiries this node saw, newest first. */
  events: Array<Omit<MembershipEvent, 'at'> & { at: string }>;
}

const TRANSPORTS = ['polling', 'websocket'];

/**
 * Answers for the cluster on any node: its own stats fresh, the others' as they
 * last published them (see NodeStatsPublisher), over the members this node
 * sees. One Redis read, whatever the number of nodes; no request to a peer.
 */
export class ClusterStats {
  private shares?: { ring: Ring; byNode: Map<NodeId, number> };

  constructor(
    private readonly cluster: Pick<ClusterView, 'self' | 'ring' | 'epoch' | 'members' | 'recentEvents'>,
    private readonly store: NodeStatsStore,
    private readonly local: () => NodeStats,
    private readonly now: () => number = Date.now,
  ) {}

  async gather(): Promise<ClusterSummary> {
    const self = this.cluster.self;
    const members = [...this.cluster.members().values()].filter((member) => member.id !== self);
    let partial = false;
    const published = await this.store.read(members.map((member) => member.id)).catch(() => {
      partial = true;
      return [];
    });
    const own = this.local();
    const stats = new Map<string, NodeStats | undefined>([[self, own]]);
    members.forEach((member, i) => stats.set(member.id, published[i]));
    const urls = new Map<string, string>([
      [self, own.url],
      ...members.map((m): [string, string] => [m.id, m.url]),
    ]);
    const shares = this.ringShares();
    const nodes = [...stats.keys()]
      .sort()
      .map((id) => this.summarize(id, urls.get(id) ?? '', stats.get(id), shares));
    const sessionsByTransport = Object.fromEntries(
      TRANSPORTS.map((transport) => [
        transport,
        sum(nodes, (node) => node.sessionsByTransport[transport] ?? 0),
      ]),
    );
    return {
      epoch: this.cluster.epoch,
      sessions: sum(nodes, (node) => node.sessions),
      sessionsByTransport,
      messagesPerSec: round(sum(nodes, (node) => node.messagesPerSec)),
      deliveriesPerSec: round(sum(nodes, (node) => node.deliveriesPerSec)),
      nodes,
      partial,
      rooms: topRooms(
        [...stats.values()].map((record) => record?.rooms ?? []),
        10,
      ),
      events: [...this.cluster.recentEvents()]
        .reverse()
        .map((event) => ({ ...event, at: new Date(event.at).toISOString() })),
    };
  }

  private summarize(
    id: string,
    url: string,
    stats: NodeStats | undefined,
    shares: Map<NodeId, number>,
  ): NodeSummary {
    const sessionsByTransport = Object.fromEntries(
      TRANSPORTS.map((transport) => [transport, stats?.sessions[transport] ?? 0]),
    );
    return {
      id,
      url,
      ringShare: round(shares.get(id as NodeId) ?? 0, 4),
      reported: stats !== undefined,
      ageMs: stats ? Math.max(0, this.now() - stats.at) : null,
      sessions: sum(Object.values(sessionsByTransport), (count) => count),
      sessionsByTransport,
      messagesPerSec: stats?.messagesPerSec ?? 0,
      deliveriesPerSec: stats?.deliveriesPerSec ?? 0,
      leaving: stats?.leaving ?? false,
      eventLoopLag: stats?.eventLoopLag ?? null,
    };
  }

  /** Computed once per ring: a ring never changes, a change makes a new one. */
  private ringShares(): Map<NodeId, number> {
    const ring = this.cluster.ring;
    if (this.shares?.ring !== ring) this.shares = { ring, byNode: ringShares(ring) };
    return this.shares.byNode;
  }
}

function sum<T>(items: T[], value: (item: T) => number): number {
  return items.reduce((total, item) => total + value(item), 0);
}

function round(value: number, digits = 2): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}
