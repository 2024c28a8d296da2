import type { INestApplication } from '@nestjs/common';
import { IoAdapter } from '@nestjs/platform-socket.io';
import { createAdapter, createShardedAdapter } from '@socket.io/redis-adapter';
import type { ServerOptions as EngineOptions } from 'engine.io';
import { Server, type ServerOptions } from 'socket.io';
import type { ClusterView } from '@app/cluster';
import { LogThrottle, type TaggedLogger } from '@app/logging';
import { withHandledPublishes, type RedisConnections } from '@app/redis';
import { createRoutedEngine, type DrainResult, type RoutedEngine } from '@app/session-routing';
import type { NodeConfig } from './config/node-config.js';
import { watchEngine } from './metrics/engine-metrics.js';
import type { NodeMetrics } from './metrics/node-metrics.js';
import type { NodeState } from './node-state.js';

/** Prefix of the Redis pub/sub channels of the socket.io adapter. */
export const ADAPTER_CHANNEL_PREFIX = 'ringchat:io';

/**
 * Builds the node's one socket.io server: bound to the cluster-routed engine
 * (libs/session-routing), with the Redis adapter so room broadcasts reach every node.
 */
export class ClusterIoAdapter extends IoAdapter {
  private io?: Server;
  private routed?: RoutedEngine;

  constructor(
    app: INestApplication,
    private readonly config: NodeConfig,
    private readonly redis: RedisConnections,
    private readonly cluster: ClusterView,
    private readonly state: NodeState,
    private readonly taggedLogger: TaggedLogger,
    private readonly metrics: NodeMetrics,
  ) {
    super(app);
  }

  /** Every gateway shares one server; Nest asks once per namespace. */
  override createIOServer(_port: number, options?: Partial<ServerOptions>): Server {
    if (this.io) return this.io;
    const routed = createRoutedEngine(
      {
        httpServer: this.httpServer,
        cluster: this.cluster,
        logger: this.taggedLogger,
        observer: this.metrics,
      },
      {
        clusterSecret: this.config.clusterSecret,
        allowedOrigins: this.config.allowedOrigins,
        peerReplayCacheSize: this.config.peerReplayCacheSize,
        pollBatchMs: this.config.pollBatchMs,
        engine: this.engineOptions(),
      },
    );
    const io = new Server({
      ...options,
      serveClient: false,
      connectTimeout: this.config.connectTimeoutMs,
      adapter: this.adapterFactory(),
    });
    io.bind(routed.engine);
    this.cluster.on('dropped', ({ silentMs }) => this.afterDrop(silentMs));
    this.state.localSessions = () => routed.sessionCount();
    this.state.sessionsByTransport = watchEngine(routed.engine, this.metrics);
    this.routed = routed;
    this.io = io;
    return io;
  }

  /**
   * The Redis adapter: classic pub/sub on one Redis; on a Redis Cluster sharded
   * pub/sub in "dynamic" mode, where each room with members on a node has its
   * own channel (in its own slot) that the node subscribes to while it has
   * members there. So a broadcast reaches only the nodes with members in the
   * room, and rooms spread over the shards instead of one channel loading one
   * shard and waking every node ("static"). Broadcasts to one socket and
   * requests that need every node's answer stay on the namespace's channel.
   */
  private adapterFactory(): NonNullable<ServerOptions['adapter']> {
    const { pub, sub, sharded } = this.redis;
    if (!sharded) {
      // This adapter leaves a failed broadcast unhandled, which would end the node during an outage.
      const log = this.taggedLogger.forContext('Redis');
      const throttle = new LogThrottle();
      const handled = withHandledPublishes(pub, (error) => {
        if (throttle.allow())
          log.warn(`a broadcast was not published: ${error.message}; similar lines held for 5 s`);
      });
      return createAdapter(handled, sub, { key: ADAPTER_CHANNEL_PREFIX });
    }
    return createShardedAdapter(pub, sub, {
      channelPrefix: ADAPTER_CHANNEL_PREFIX,
      subscriptionMode: 'dynamic',
    });
  }

  /** Gateways without message handlers (the chat dispatches its own) cost nothing per socket. */
  override bindMessageHandlers(...args: Parameters<IoAdapter['bindMessageHandlers']>): void {
    if (args[1].length === 0) return;
    super.bindMessageHandlers(...args);
  }

  /** Graceful leave, after the node left the ring (see `RoutedEngine.drain`). */
  async drain(timeoutMs: number): Promise<DrainResult> {
    return (await this.routed?.drain(timeoutMs)) ?? { relaysLeft: 0 };
  }

  /**
   * Peers expired this node (it was paused or cut off past the TTL) and moved its
   * sessions' ring slots on; their clients already count them lost. Closing them
   * makes the clients reconnect (and resume) wherever the ring now says, and
   * socket.io's disconnect clears their presence and pins: no session lives in
   * two places. A cut-off may also have left the Redis subscribers owing what
   * Redis sent meanwhile, so the clients that come next would get their rooms'
   * messages late: they are checked, and replaced if stale.
   */
  private afterDrop(silentMs: number): void {
    const closed = this.routed?.closeAllSessions() ?? 0;
    this.taggedLogger
      .forContext('Node')
      .warn(
        `this node was dropped from the ring while paused or cut off (${(silentMs / 1000).toFixed(1)} s); ` +
          `closing ${closed} sessions and rejoining`,
      );
    void this.redis.refreshStaleSubscribers();
  }

  override async dispose(): Promise<void> {
    const io = this.io;
    this.io = undefined;
    this.routed?.close();
    if (io) await new Promise<void>((resolve) => void io.close(() => resolve()));
  }

  private engineOptions(): EngineOptions {
    return {
      pingInterval: this.config.pingIntervalMs,
      pingTimeout: this.config.pingTimeoutMs,
      maxHttpBufferSize: this.config.maxPayloadBytes,
      // socket.io-client 2.x speaks Engine.IO v3.
      allowEIO3: this.config.allowEio3,
      cors: this.config.corsOrigin ? { origin: this.config.corsOrigin } : undefined,
    };
  }
}
