import { Inject, Module, type DynamicModule, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import type { IdentityResolver } from '@app/identity';
import type { TaggedLogger } from '@app/logging';
import { ChannelSubscriber, RedisConnections } from '@app/redis';
import { resolveChatOptions, type ChatOptions } from './chat-options.js';
import { ChatService } from './chat-service.js';
import { ChatGateway } from './chat.gateway.js';
import { Presence } from './presence.js';
import { PresenceRepair } from './presence-repair.js';
import { RoomFanout } from './room-fanout.js';
import { Conversation } from './conversation.js';
import { conversationStores } from './conversation-stores.js';

/** Starts the message fan-out and presence reconciliation once the gateway has its namespace. */
class ChatLifecycle implements OnModuleInit, OnModuleDestroy {
  constructor(@Inject(ChatService) private readonly chat: ChatService) {}
  async onModuleInit(): Promise<void> {
    await this.chat.start();
  }
  onModuleDestroy(): void {
    this.chat.stop();
  }
}

@Module({})
export class ChatModule {
  /** `identities`: how handshakes become identities (guest or jwt mode). */
  static forRoot(options: ChatOptions, logger: TaggedLogger, identities: IdentityResolver): DynamicModule {
    const resolved = resolveChatOptions(options);
    return {
      module: ChatModule,
      providers: [
        {
          provide: ChatService,
          useFactory: (redis: RedisConnections) => {
            const log = logger.forContext('Chat');
            const presence = new Presence(redis.command);
            const stores = conversationStores(redis.command, resolved, redis.sharded, (rooms) =>
              presence.memberCounts(rooms),
            );
            return new ChatService(
              resolved,
              stores.history,
              new RoomFanout(new ChannelSubscriber(redis.events, { sharded: redis.sharded }), log, {
                delivery: resolved.roomDelivery,
              }),
              presence,
              new PresenceRepair(redis.command),
              log,
              identities,
              new Conversation(resolved, stores, log),
            );
          },
          inject: [RedisConnections],
        },
        ChatGateway,
        ChatLifecycle,
      ],
      exports: [ChatService],
    };
  }
}
