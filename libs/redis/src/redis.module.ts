import { Global, Inject, Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import type { TaggedLogger } from '@app/logging';
import { RedisConnections } from './redis-connections.js';
import type { RedisConnectionsOptions } from './redis-options.js';

/** Closes the connections in Nest's last shutdown phase, after sockets and HTTP. */
class RedisLifecycle implements OnApplicationShutdown {
  constructor(@Inject(RedisConnections) private readonly connections: RedisConnections) {}
  async onApplicationShutdown(): Promise<void> {
    await this.connections.close();
  }
}

/** Provides the node's RedisConnections to every module. */
@Global()
@Module({})
export class RedisModule {
  static forRoot(options: RedisConnectionsOptions, logger: TaggedLogger): DynamicModule {
    return {
      module: RedisModule,
      providers: [
        {
          provide: RedisConnections,
          useFactory: () => new RedisConnections(options, logger.forContext('Redis')),
        },
        RedisLifecycle,
      ],
      exports: [RedisConnections],
    };
  }
}
