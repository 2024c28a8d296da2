import type { RedisClient } from '@app/redis';
import type { EventLoopLagReport } from '../event-loop-lag.js';
import type { RoomActivity } from './node-activity.js';

/** What each node publishes about itself for the cluster-wide views (`/cluster`, `/admin`). */
export interface NodeStats {
  node: string;
  url: string;
  /** When it was taken (ms since the epoch, the node's clock). */
  at: number;
  /** Sessions hosted by the node, by current transport. */
  sessions: Record<string, number>;
  messagesPerSec: number;
  deliveriesPerSec: number;
  /** The node's busiest rooms of the last minute. */
  rooms: RoomActivity[];
  leaving: boolean;
  eventLoopLag: EventLoopLagReport;
}

/** One key per node, in the cluster's hash slot, so one MGET reads them all on RedisClient Cluster too. */
const statsKey = (node: string): string => `{ringchat}:node-stats:${node}`;

/**
 * How long a read may take: the views it feeds answer people and probes, and
 * must answer promptly while RedisClient is away (with what this node knows itself).
 */
const READ_TIMEOUT_MS = 500;

/** The stats records in RedisClient: each expires unless its node renews it. */
export class NodeStatsStore {
  constructor(private readonly redis: RedisClient) {}

  async write(stats: NodeStats, ttlMs: number): Promise<void> {
    await this.redis.set(statsKey(stats.node), JSON.stringify(stats), 'PX', ttlMs);
  }

  /** The records of `nodes`, in their order; undefined where a node has none (or a bad one). */
  /** Rejects at once while RedisClient is not connected, and after READ_TIMEOUT_MS. */
  async read(nodes: string[]): Promise<Array<NodeStats | undefined>> {
    if (nodes.length === 0) return [];
    if (this.redis.status !== 'ready') throw new Error('redis not connected');
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('redis did not answer in time')), READ_TIMEOUT_MS);
    });
    try {
      const raws = await Promise.race([this.redis.mget(nodes.map(statsKey)), timeout]);
      return raws.map((raw, i) => parseStats(raw, nodes[i]));
    } finally {
      clearTimeout(timer);
    }
  }
}

/**
 * RedisClient is not trusted to name peers, but these records only feed what people
 * read: a record that does not parse, or claims another node, is ignored.
 */
function parseStats(raw: string | null, node: string): NodeStats | undefined {
  if (!raw) return undefined;
  try {
    const stats = JSON.parse(raw) as NodeStats;
    return stats?.node === node && typeof stats.sessions === 'object' ? stats : undefined;
  } catch {
    return undefined;
  }
}
