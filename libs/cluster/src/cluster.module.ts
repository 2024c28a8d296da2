import {
  Global,
  Inject,
  Module,
  type DynamicModule,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import type { TaggedLogger } from '@app/logging';
import { RedisConnections } from '@app/redis';
import type { ClusterOptions } from './cluster-options.js';
import { ClusterView } from './cluster-view.js';

/** Joins the cluster when the app starts; stops heartbeating when it ends. */
class ClusterLifecycle implements OnModuleInit, OnApplicationShutdown {
  constructor(@Inject(ClusterView) private readonly view: ClusterView) {}
  async onModuleInit(): Promise<void> {
    await this.view.start();
  }
  async onApplicationShutdown(): Promise<void> {
    await this.view.close();
  }
}

/** Provides this node's ClusterView (membership, ring, pins). */
@Global()
@Module({})
export class ClusterModule {
  static forRoot(options: ClusterOptions, logger: TaggedLogger): DynamicModule {
    return {
      module: ClusterModule,
      providers: [
        {
          provide: ClusterView,
          useFactory: (redis: RedisConnections) =>
            new ClusterView(options, redis.command, redis.eventChannels, logger.forContext('Cluster')),
          inject: [RedisConnections],
        },
        ClusterLifecycle,
      ],
      exports: [ClusterView],
    };
  }
}
