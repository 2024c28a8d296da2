import type { Server as HttpServer } from 'node:http';
import {
  Server as EngineServer,
  type ServerOptions as EngineOptions,
  type Socket as EngineSocket,
} from 'engine.io';
import { asNodeId, type MoveRequest, type SessionId } from '@app/cluster';
import type { Log } from '@app/logging';
import { ClientCloseRace } from './client-close-race.js';
import type { EngineCluster, MembershipChange } from './engine-cluster.js';
import { EngineEntry } from './engine-entry.js';
import { answerPendingPolls, closeEverySession, closeSessions, takeOverFlushes } from './engine-internals.js';
import { HttpForwarder } from './http-forwarder.js';
import { OriginPolicy } from './origin-policy.js';
import { PeerAuth } from './peer-auth.js';
import { PollAnswerHold, type HeldSocket } from './poll-answer-hold.js';
import type { RoutingObserver } from './routing-observer.js';
import { RelayAcceptor } from './relay-acceptor.js';
import { RelayForwarder } from './relay-forwarder.js';
import { SessionPlacement } from './session-placement.js';
import { SessionRouter } from './session-router.js';
import { UpgradeForwarder } from './upgrade-forwarder.js';
import { stampUpgradeAnswers } from './upgrade-stamp.js';
import { WebSocketMoves } from './websocket-moves.js';

export interface RoutedEngineDeps {
  /** The node's HTTP server: the engine takes over its `request` and `upgrade` events. */
  httpServer: HttpServer;
  cluster: EngineCluster;
  /** Hands out one `Log` per component: `Placement`, `Router`, `EngineIO`. */
  logger: { forContext(context: string): Log };
  /** Told of every forwarded request and upgrade (a node's metrics). @default none */
  observer?: RoutingObserver;
}

export interface RoutedEngineOptions {
  /** The shared CLUSTER_SECRET that signs and verifies forwarded requests. */
  clusterSecret: string;
  /** Peer signatures remembered against replay; see `PeerAuthOptions.replayCacheSize`. @default 200000 */
  peerReplayCacheSize?: number;
  /** Passed to engine.io as is (ping timing, payload limit, EIO3, CORS). @default {} */
  engine?: EngineOptions;
  /**
   * Web origins whose pages may open a session besides pages of the request's own
   * host name; `['*']` for any (see OriginPolicy). @default []
   */
  allowedOrigins?: readonly string[];
  /** URL prefix of engine.io requests. @default '/socket.io/' */
  path?: string;
  /**
   * Give up on a relayed poll or push when its owner sends no response head this
   * fast. A long-poll waits for data up to pingInterval, so this must exceed it.
   * @default pingInterval + pingTimeout + 5000 (50000 with engine.io's ping defaults)
   */
  relayResponseTimeoutMs?: number;
  /**
   * How long a busy polling client's answer may wait after its first packet so
   * that the packets queued meanwhile share it (see PollAnswerHold); 0 answers
   * at once, as engine.io does. @default 0
   */
  pollBatchMs?: number;
}

/** engine.io's own ping defaults, for the relay timeout when the options leave them out. */
const ENGINE_PING_DEFAULTS = { pingInterval: 25_000, pingTimeout: 20_000 } as const;
/** Margin of the relay timeout over the longest a healthy owner may hold a poll. */
const RELAY_RESPONSE_MARGIN_MS = 5000;

export interface DrainResult {
  /** Relayed requests and WebSockets still open when the drain gave up waiting. */
  relaysLeft: number;
}

/** What a node gets back: an engine to bind socket.io to, and its life cycle. */
export interface RoutedEngine {
  /** The node's one engine.io server, attached to nothing: bind socket.io to it. */
  readonly engine: EngineServer;
  /** Sessions this node hosts right now. */
  sessionCount(): number;
  /**
   * Graceful leave, after the node left the ring: every response asks its caller
   * to close the connection, this node's own sessions close (their clients
   * reconnect elsewhere at once), owners are asked to answer the polls relayed
   * here and to move the sessions whose WebSockets are relayed here (their
   * clients reconnect through another node), and relayed traffic is waited for,
   * at most `timeoutMs`.
   */
  drain(timeoutMs: number): Promise<DrainResult>;
  /**
   * Closes every session here (their clients reconnect, wherever the ring now
   * says) and keeps serving: for a node that learns its peers dropped it.
   * Returns how many it closed.
   */
  closeAllSessions(): number;
  /** Closes the engine and the connection pools to owners, and stops listening to the cluster. */
  close(): void;
}

/**
 * Builds the node's engine.io server with cluster routing around it: placement
 * (new sessions get sids this node owns), peer authentication, the session router
 * and the front door on the HTTP server. No Nest: a test builds it with fakes.
 */
export function createRoutedEngine(deps: RoutedEngineDeps, options: RoutedEngineOptions): RoutedEngine {
  const { cluster, logger } = deps;
  const origins = new OriginPolicy({ allowed: options.allowedOrigins });
  const originLog = logger.forContext('Origin');
  const engine = new EngineServer({
    ...options.engine,
    // Runs for every handshake, polling or WebSocket; engine.io answers 403 with the reason.
    allowRequest: (req, answer) => {
      const refusal = origins.refusal(req);
      if (refusal && originLog.isDebugEnabled())
        originLog.debug(`handshake from origin ${req.headers.origin} refused`);
      answer(refusal ?? null, refusal === undefined);
    },
  });
  const http = new HttpForwarder({ responseTimeoutMs: relayResponseTimeout(options) });
  const upgrades = new UpgradeForwarder();
  const peerAuth = new PeerAuth({
    secret: options.clusterSecret,
    self: cluster.self,
    replayCacheSize: options.peerReplayCacheSize,
    log: logger.forContext('PeerAuth'),
  });
  const relay = new RelayForwarder(peerAuth, { responseTimeoutMs: relayResponseTimeout(options) });
  new SessionPlacement(cluster, logger.forContext('Placement')).install(engine);
  new ClientCloseRace({ log: logger.forContext('EngineIO') }).install(engine);
  stampUpgradeAnswers(engine, cluster.self);
  const pollBatchMs = options.pollBatchMs ?? 0;
  const makeHold =
    pollBatchMs > 0 ? (held: HeldSocket) => new PollAnswerHold(held, { holdMs: pollBatchMs }) : undefined;
  engine.on('connection', (socket: EngineSocket) => takeOverFlushes(socket, makeHold));
  const router = new SessionRouter({
    cluster,
    engine,
    peerAuth,
    relay,
    http,
    upgrades,
    log: logger.forContext('Router'),
    engineLog: logger.forContext('EngineIO'),
    observer: deps.observer,
  });
  const relayAcceptor = new RelayAcceptor({
    peerAuth,
    isMember: (id) => cluster.urlOf(asNodeId(id)) !== undefined,
    handler: (req, res, via) => router.serveRelayed(req, res, via),
    log: logger.forContext('Relay'),
  });
  const entry = new EngineEntry(
    deps.httpServer,
    router,
    { nodeId: cluster.self, path: options.path },
    relayAcceptor,
  );
  entry.install();

  const onChange = ({ left }: MembershipChange): void => {
    for (const member of left) {
      http.forget(member.url);
      relay.forget(member.url);
      relayAcceptor.forgetPeer(member.id, relayResponseTimeout(options));
    }
  };
  const onFlushPolls = (sids: SessionId[]): void => answerPendingPolls(engine, sids);
  const moves = new WebSocketMoves({
    cluster,
    peerAuth,
    closeSessions: (sids) => closeSessions(engine, sids),
    log: logger.forContext('Router'),
  });
  const onMoveSessions = (request: MoveRequest): void => moves.onRequest(request);
  cluster.on('change', onChange);
  cluster.on('flushPolls', onFlushPolls);
  cluster.on('moveSessions', onMoveSessions);

  return {
    engine,
    sessionCount: () => engine.clientsCount,
    async drain(timeoutMs) {
      entry.startDraining();
      relayAcceptor.startDraining();
      engine.close();
      // Relayed WebSockets would hold the drain until their clients leave: their owners move them.
      const relayed = router.relayedWebSockets.byOwnerThenWatch(
        (owner, sid) => void moves.request(owner, [sid]),
      );
      await Promise.all([...relayed].map(([owner, sids]) => moves.request(owner, sids)));
      for (const [owner, sids] of router.relayedPollsByOwner()) {
        await cluster.requestFlush(owner, sids).catch(() => undefined);
      }
      const deadline = Date.now() + timeoutMs;
      await http.inFlight.whenIdle(timeoutMs);
      await relay.inFlight.whenIdle(Math.max(0, deadline - Date.now()));
      await upgrades.inFlight.whenIdle(Math.max(0, deadline - Date.now()));
      return { relaysLeft: http.inFlight.count + relay.inFlight.count + upgrades.inFlight.count };
    },
    closeAllSessions: () => closeEverySession(engine),
    close() {
      cluster.off('change', onChange);
      cluster.off('flushPolls', onFlushPolls);
      cluster.off('moveSessions', onMoveSessions);
      http.close();
      relay.close();
      relayAcceptor.close();
      engine.close();
    },
  };
}

function relayResponseTimeout(options: RoutedEngineOptions): number {
  if (options.relayResponseTimeoutMs !== undefined) return options.relayResponseTimeoutMs;
  const pingInterval = options.engine?.pingInterval ?? ENGINE_PING_DEFAULTS.pingInterval;
  const pingTimeout = options.engine?.pingTimeout ?? ENGINE_PING_DEFAULTS.pingTimeout;
  return pingInterval + pingTimeout + RELAY_RESPONSE_MARGIN_MS;
}
