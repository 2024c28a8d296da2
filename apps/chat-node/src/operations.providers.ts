import type { Provider } from '@nestjs/common';
import { ClusterView } from '@app/cluster';
import type { IdentityResolver } from '@app/identity';
import type { TaggedLogger } from '@app/logging';
import { RedisConnections } from '@app/redis';
import { AdminAuth } from './admin/admin-auth.js';
import { ClusterStats } from './admin/cluster-stats.js';
import { NodeActivity } from './admin/node-activity.js';
import type { NodeStats } from './admin/node-stats.js';
import { NodeStatsStore } from './admin/node-stats.js';
import { NodeStatsPublisher } from './admin/node-stats-publisher.js';
import type { NodeConfig } from './config/node-config.js';
import { NodeMetrics } from './metrics/node-metrics.js';
import { NodeState } from './node-state.js';

/** Builds this node's stats record from its live state. */
export const LOCAL_STATS = Symbol('LOCAL_STATS');

/**
 * What operators get from a node: its Prometheus metrics, the stats it publishes
 * for the cluster-wide views, and the admin credential check.
 */
export function operationsProviders(
  config: NodeConfig,
  logger: TaggedLogger,
  identities: IdentityResolver,
): Provider[] {
  return [
    { provide: NodeMetrics, useValue: new NodeMetrics({ node: config.nodeId }) },
    { provide: NodeActivity, useValue: new NodeActivity() },
    {
      provide: AdminAuth,
      useValue: new AdminAuth({
        token: config.adminToken,
        verifyToken: identities.mode === 'jwt' ? (token) => identities.verifyToken(token) : undefined,
      }),
    },
    {
      provide: NodeStatsStore,
      useFactory: (redis: RedisConnections) => new NodeStatsStore(redis.command),
      inject: [RedisConnections],
    },
    {
      provide: LOCAL_STATS,
      useFactory: (cluster: ClusterView, state: NodeState, activity: NodeActivity) => (): NodeStats => ({
        node: config.nodeId,
        url: config.advertiseUrl,
        at: Date.now(),
        sessions: state.sessionsByTransport(),
        ...activity.snapshot(),
        leaving: cluster.isLeaving,
        eventLoopLag: state.eventLoopLag.report(),
      }),
      inject: [ClusterView, NodeState, NodeActivity],
    },
    {
      provide: NodeStatsPublisher,
      useFactory: (store: NodeStatsStore, local: () => NodeStats) =>
        new NodeStatsPublisher(store, local, logger.forContext('Stats'), {
          intervalMs: config.statsIntervalMs,
        }),
      inject: [NodeStatsStore, LOCAL_STATS],
    },
    {
      provide: ClusterStats,
      useFactory: (cluster: ClusterView, store: NodeStatsStore, local: () => NodeStats) =>
        new ClusterStats(cluster, store, local),
      inject: [ClusterView, NodeStatsStore, LOCAL_STATS],
    },
  ];
}
