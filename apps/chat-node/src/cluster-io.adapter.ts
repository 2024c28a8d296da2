import type { INestApplication } from '@nestjs/common';
import { IoAdapter } from '@nestjs/platform-socket.io';
import { createAdapter } from '@socket.io/redis-adapter';
import { Server as EngineServer, type ServerOptions as EngineOptions } from 'engine.io';
import { Server, type ServerOptions } from 'socket.io';
import type { ClusterView, SessionId } from '@app/cluster';
import type { TaggedLogger } from '@app/logging';
import type { RedisConnections } from '@app/redis';
import {
  EngineEntry,
  HttpForwarder,
  PeerAuth,
  SessionPlacement,
  SessionRouter,
  UpgradeForwarder,
} from '@app/session-routing';
import type { NodeConfig } from './config/node-config.js';
import type { NodeState } from './node-state.js';

/** Prefix of the Redis pub/sub channels of the socket.io adapter. */
export const ADAPTER_CHANNEL_PREFIX = 'ringchat:io';

/**
 * Builds the node's one socket.io server: an engine.io server placed and
 * routed by the cluster (sessions this node owns, requests sent to their
 * owners), and the Redis adapter so room broadcasts reach every node.
 */
export class ClusterIoAdapter extends IoAdapter {
  private io?: Server;
  private engine?: EngineServer;
  private entry?: EngineEntry;
  private router?: SessionRouter;
  private readonly http: HttpForwarder;
  private readonly upgrades = new UpgradeForwarder();

  constructor(
    app: INestApplication,
    private readonly config: NodeConfig,
    private readonly redis: RedisConnections,
    private readonly cluster: ClusterView,
    private readonly state: NodeState,
    private readonly taggedLogger: TaggedLogger,
  ) {
    super(app);
    // A relayed long-poll lasts up to pingInterval; give the owner that and more.
    this.http = new HttpForwarder({
      responseTimeoutMs: config.pingIntervalMs + config.pingTimeoutMs + 5000,
    });
    cluster.on('change', (change) => {
      for (const member of change.left) this.http.forget(member.url);
    });
    cluster.on('flushPolls', (sids) => this.flushPolls(sids));
  }

  /** Every gateway shares one server; Nest asks once per namespace. */
  override createIOServer(_port: number, options?: Partial<ServerOptions>): Server {
    if (this.io) return this.io;
    const engine = new EngineServer(this.engineOptions());
    const io = new Server({
      ...options,
      serveClient: false,
      connectTimeout: this.config.connectTimeoutMs,
      adapter: createAdapter(this.redis.pub, this.redis.sub, {
        key: ADAPTER_CHANNEL_PREFIX,
      }),
    });
    io.bind(engine);
    new SessionPlacement(this.cluster, this.taggedLogger.forContext('Placement')).install(engine);
    this.router = new SessionRouter({
      cluster: this.cluster,
      engine,
      peerAuth: new PeerAuth({ secret: this.config.clusterSecret }),
      http: this.http,
      upgrades: this.upgrades,
      log: this.taggedLogger.forContext('Router'),
      engineLog: this.taggedLogger.forContext('EngineIO'),
    });
    this.entry = new EngineEntry(this.httpServer, this.router, {
      nodeId: this.config.nodeId,
    });
    this.entry.install();
    this.state.localSessions = () => engine.clientsCount;
    this.engine = engine;
    this.io = io;
    return io;
  }

  /** Gateways without message handlers (the chat dispatches its own) cost nothing per socket. */
  override bindMessageHandlers(...args: Parameters<IoAdapter['bindMessageHandlers']>): void {
    if (args[1].length === 0) return;
    super.bindMessageHandlers(...args);
  }

  /**
   * Graceful leave, after the node left the ring: close this node's own sessions
   * (their clients reconnect elsewhere at once), ask owners to answer the polls
   * relayed here, and wait — at most `timeoutMs` — for relayed traffic to end.
   */
  async drain(timeoutMs: number): Promise<{ relaysLeft: number }> {
    this.entry?.startDraining();
    this.engine?.close();
    for (const [owner, sids] of this.router?.relayedPollsByOwner() ?? []) {
      await this.cluster.requestFlush(owner, sids).catch(() => undefined);
    }
    const deadline = Date.now() + timeoutMs;
    await this.http.inFlight.whenIdle(timeoutMs);
    await this.upgrades.inFlight.whenIdle(Math.max(0, deadline - Date.now()));
    return {
      relaysLeft: this.http.inFlight.count + this.upgrades.inFlight.count,
    };
  }

  override async dispose(): Promise<void> {
    const io = this.io;
    this.io = undefined;
    this.http.close();
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

  /** Answers pending long-polls with a no-op so their clients poll again (elsewhere). */
  private flushPolls(sids: SessionId[]): void {
    // engine.io's types hide both; they are the documented way its own upgrade flushes a poll.
    const clients = (
      this.engine as unknown as {
        clients?: Record<string, { sendPacket?(type: string): void }>;
      }
    )?.clients;
    for (const sid of sids) clients?.[sid]?.sendPacket?.('noop');
  }
}
