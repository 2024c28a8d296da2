import { Module, type DynamicModule } from '@nestjs/common';
import { ChatModule } from '@app/chat';
import { asNodeId, ClusterModule } from '@app/cluster';
import type { TaggedLogger } from '@app/logging';
import { parseClusterSeeds, RedisModule } from '@app/redis';
import { ChatClusterBridge } from './chat-cluster.bridge.js';
import { ClusterController } from './cluster.controller.js';
import type { NodeConfig } from './config/node-config.js';
import { HealthController } from './health.controller.js';
import { AdminController } from './admin/admin.controller.js';
import { identityResolverOf } from './identity-source.js';
import { MetricsController } from './metrics/metrics.controller.js';
import { NodeState } from './node-state.js';
import { OperationsBridge } from './operations.bridge.js';
import { operationsProviders } from './operations.providers.js';
import { ProtocolTestModule } from './protocol-test/protocol-test.module.js';
import { NODE_CONFIG } from './tokens.js';

/** One chat node: wires the libs together; holds no logic of its own. */
@Module({})
export class ChatNodeModule {
  static forRoot(config: NodeConfig, logger: TaggedLogger, state: NodeState): DynamicModule {
    const identities = identityResolverOf(config);
    const application =
      config.profile === 'protocol-test'
        ? ProtocolTestModule
        : ChatModule.forRoot(
            {
              nodeId: config.nodeId,
              historyPageSize: config.historyPageSize,
              retentionMaxMessages: config.historyRetention,
              retentionMaxAgeMs: config.historyMaxAgeMs,
              messageMaxLength: config.messageMaxLength,
              ratePerSecond: config.ratePerSecond,
              rateBurst: config.rateBurst,
              messageMaxBytes: config.messageMaxBytes,
              historyMaxPage: config.historyAnswerMaxMessages,
              historyAnswerMaxBytes: config.historyAnswerMaxBytes,
              roomsPerConnection: config.roomsPerConnection,
              roomsPageMax: config.roomsPageMax,
              roomListIdleMs: config.roomListIdleMs,
              typingExpiryMs: config.typingExpiryMs,
              presenceReconcileMs: config.presenceReconcileMs,
              ackReplicas: config.ackReplicas,
              ackReplicaTimeoutMs: config.ackReplicaTimeoutMs,
              roomDelivery: config.roomDelivery,
            },
            logger,
            identities,
          );
    const bridges = config.profile === 'protocol-test' ? [] : [ChatClusterBridge];
    return {
      module: ChatNodeModule,
      imports: [
        RedisModule.forRoot(
          {
            url: config.redisUrl,
            clientName: `ringchat:${config.nodeId}`,
            ...(config.redisClusterNodes
              ? { clusterSeeds: parseClusterSeeds(config.redisClusterNodes) }
              : {}),
          },
          logger,
        ),
        ClusterModule.forRoot(
          {
            self: asNodeId(config.nodeId),
            url: config.advertiseUrl,
            secret: config.clusterSecret,
            heartbeatIntervalMs: config.heartbeatIntervalMs,
            memberTtlMs: config.memberTtlMs,
          },
          logger,
        ),
        application,
      ],
      controllers: [HealthController, ClusterController, MetricsController, AdminController],
      providers: [
        ...bridges,
        ...operationsProviders(config, logger, identities),
        OperationsBridge,
        { provide: NODE_CONFIG, useValue: config },
        { provide: NodeState, useValue: state },
      ],
    };
  }
}
