import type { ClusterSeed } from './cluster-seeds.js';

export interface RedisConnectionsOptions {
  /**
   * Redis to connect to, `redis://[:password@]host:port[/db]` or `rediss://`.
   * With `clusterSeeds`, only its user, password and scheme (TLS) are used, for
   * every node of the cluster.
   */
  url: string;
  /** Nodes of a Redis Cluster to learn its layout from: cluster mode. @default none (one Redis at `url`) */
  clusterSeeds?: ClusterSeed[];
  /** Name shown by `CLIENT LIST`, handy when several nodes share one Redis. @default 'ringchat' */
  clientName?: string;
  /** Give up a connection attempt after this long. @default 3000 */
  connectTimeoutMs?: number;
  /** Longest pause between reconnect attempts. @default 2000 */
  maxReconnectDelayMs?: number;
  /**
   * A command on the command connection without an answer after this long fails
   * (a paused or cut-off Redis would otherwise hold it forever). Below the client
   * helper's ack timeout (5 s), so a refused send reaches the client as a refusal.
   * @default 2000
   */
  commandTimeoutMs?: number;
  /**
   * Cluster mode: how often the cluster client re-reads the slot layout, so a
   * failover is noticed even on a connection that sent nothing. @default 1000
   */
  slotsRefreshIntervalMs?: number;
}

export const REDIS_DEFAULTS = {
  clientName: 'ringchat',
  connectTimeoutMs: 3000,
  maxReconnectDelayMs: 2000,
  commandTimeoutMs: 2000,
  slotsRefreshIntervalMs: 1000,
} as const;
