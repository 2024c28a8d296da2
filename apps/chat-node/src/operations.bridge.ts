import { Inject, Optional, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { ChatService } from '@app/chat';
import { ClusterView } from '@app/cluster';
import { observeCommands, RedisConnections } from '@app/redis';
import { NodeActivity } from './admin/node-activity.js';
import { NodeStatsPublisher } from './admin/node-stats-publisher.js';
import { NodeMetrics } from './metrics/node-metrics.js';
import { NodeState } from './node-state.js';

/**
 * Plugs the node's metrics and activity counters into the libs' seams (the
 * chat's observer, cluster events, Redis command timing) and runs the stats
 * publication. The routed engine gets its observer where it is built
 * (ClusterIoAdapter).
 */
export class OperationsBridge implements OnModuleInit, OnModuleDestroy {
  constructor(
    @Inject(NodeMetrics) private readonly metrics: NodeMetrics,
    @Inject(NodeActivity) private readonly activity: NodeActivity,
    @Inject(NodeStatsPublisher) private readonly publisher: NodeStatsPublisher,
    @Inject(ClusterView) private readonly cluster: ClusterView,
    @Inject(NodeState) private readonly state: NodeState,
    @Inject(RedisConnections) private readonly redis: RedisConnections,
    // Absent in the protocol-test profile, which serves no chat.
    @Optional() @Inject(ChatService) private readonly chat?: ChatService,
  ) {}

  onModuleInit(): void {
    const { metrics, activity, cluster } = this;
    metrics.readFrom({
      connectionsByTransport: () => this.state.sessionsByTransport(),
      ringEpoch: () => cluster.epoch,
      ringMembers: () => cluster.members().size,
      pins: () => cluster.pins.size,
    });
    cluster.on('membershipEvent', (event) => metrics.membershipEvent(event.kind));
    observeCommands(this.redis.command, metrics);
    this.chat?.observe({
      stored: (room, duplicate, seconds) => {
        metrics.stored(room, duplicate, seconds);
        activity.stored(room, duplicate);
      },
      delivered: (room, recipients) => {
        metrics.delivered(room, recipients);
        activity.delivered(room, recipients);
      },
      read: (kind) => metrics.read(kind),
      refused: (code) => metrics.refused(code),
      reconciled: (repaired) => metrics.reconciled(repaired),
    });
    this.publisher.start();
  }

  onModuleDestroy(): void {
    this.publisher.stop();
  }
}
