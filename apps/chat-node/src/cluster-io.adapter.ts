import type { INestApplication } from '@nestjs/common';
import { IoAdapter } from '@nestjs/platform-socket.io';
import { createAdapter } from '@socket.io/redis-adapter';
import { Server as EngineServer } from 'engine.io';
import { Server, type ServerOptions } from 'socket.io';
import type { TaggedLogger } from '@app/logging';
import type { RedisConnections } from '@app/redis';
import { EngineEntry } from '@app/session-routing';
import type { NodeConfig } from './config/node-config.js';

/** Prefix of the Redis pub/sub channels of the socket.io adapter. */
export const ADAPTER_CHANNEL_PREFIX = 'ringchat:io';

/**
 * Builds the node's one socket.io server: an engine.io server that we feed
 * ourselves through the EngineEntry (the seam where session routing sits),
 * and the Redis adapter so room broadcasts reach every node.
 */
export class ClusterIoAdapter extends IoAdapter {
  private io?: Server;
  private engine?: EngineServer;

  constructor(
    app: INestApplication,
    private readonly config: NodeConfig,
    private readonly redis: RedisConnections,
    private readonly taggedLogger: TaggedLogger,
  ) {
    super(app);
  }

  /** Every gateway shares one server; Nest asks once per namespace. */
  override createIOServer(
    _port: number,
    options?: Partial<ServerOptions>,
  ): Server {
    if (this.io) return this.io;
    const engine = new EngineServer({
      pingInterval: this.config.pingIntervalMs,
      pingTimeout: this.config.pingTimeoutMs,
      maxHttpBufferSize: this.config.maxPayloadBytes,
    });
    const io = new Server({
      ...options,
      serveClient: false,
      adapter: createAdapter(this.redis.pub, this.redis.sub, {
        key: ADAPTER_CHANNEL_PREFIX,
      }),
    });
    io.bind(engine);
    new EngineEntry(
      this.httpServer,
      engine,
      { nodeId: this.config.nodeId },
      this.taggedLogger.forContext('EngineIO'),
    ).install();
    this.engine = engine;
    this.io = io;
    return io;
  }

  /** Closes every client session: their clients reconnect to another node. */
  closeSessions(): void {
    this.engine?.close();
  }

  override async dispose(): Promise<void> {
    const io = this.io;
    this.io = undefined;
    if (io)
      await new Promise<void>((resolve) => void io.close(() => resolve()));
  }
}
