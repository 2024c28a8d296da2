import { Module, type DynamicModule } from '@nestjs/common';
import { ChatModule } from '@app/chat';
import type { TaggedLogger } from '@app/logging';
import { RedisModule } from '@app/redis';
import type { NodeConfig } from './config/node-config.js';
import { HealthController } from './health.controller.js';
import { NodeState } from './node-state.js';
import { NODE_CONFIG } from './tokens.js';

/** One chat node: wires the libs together; holds no logic of its own. */
@Module({})
export class ChatNodeModule {
  static forRoot(
    config: NodeConfig,
    logger: TaggedLogger,
    state: NodeState,
  ): DynamicModule {
    return {
      module: ChatNodeModule,
      imports: [
        RedisModule.forRoot(
          { url: config.redisUrl, clientName: `ringchat:${config.nodeId}` },
          logger,
        ),
        ChatModule.forRoot({ nodeId: config.nodeId }),
      ],
      controllers: [HealthController],
      providers: [
        { provide: NODE_CONFIG, useValue: config },
        { provide: NodeState, useValue: state },
      ],
    };
  }
}
