import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { parseSessionId, type NodeId, type SessionId } from '@app/cluster';
import type { Log } from '@app/logging';
import type { EngineCluster } from './engine-cluster.js';
import { answerSessionUnknown, answerUpgradeSessionUnknown } from './engine-errors.js';
import {
  describeEngineRequest,
  describeForLog,
  KIND_LABEL,
  type EngineRequestInfo,
} from './engine-request.js';
import type { ForwardOutcome, ForwardTarget } from './forward-target.js';
import type { HttpForwarder } from './http-forwarder.js';
import { hasPeerHeaders, stripPeerHeaders, type PeerAuth } from './peer-auth.js';
import { groupByOwner, RelayedWebSockets } from './relayed-websockets.js';
import { noteRelayedUpgrade } from './upgrade-stamp.js';
import type { RoutingObserver } from './routing-observer.js';
import type { RelayForwarder } from './relay-forwarder.js';
import type { UpgradeForwarder } from './upgrade-forwarder.js';

/** What the router needs to know of the cluster. */
export type RoutingCluster = Pick<
  EngineCluster,
  'self' | 'isLeaving' | 'ring' | 'urlOf' | 'anyPeer' | 'suspect' | 'catchUp'
> & { readonly pins: Pick<EngineCluster['pins'], 'lookup'> };

/** The local engine.io server, as far as routing is concerned. */
export interface LocalEngine {
  handleRequest(req: IncomingMessage, res: ServerResponse): void;
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
}

type Decision =
  | { serve: 'locally'; info: EngineRequestInfo; via?: string }
  | { serve: 'remotely'; info: EngineRequestInfo; target: ForwardTarget }
  | { serve: 'after catching up'; info: EngineRequestInfo; sid: SessionId; owner: NodeId };

type Settled = Exclude<Decision, { serve: 'after catching up' }>;

export interface SessionRouterDeps {
  cluster: RoutingCluster;
  engine: LocalEngine;
  peerAuth: Pick<PeerAuth, 'sign' | 'verify'>;
  /** Polls and pushes go over the relay to owners that speak it... */
  relay: Pick<RelayForwarder, 'speaksTo' | 'forward'>;
  /** ...and as signed HTTP requests to those that do not. */
  http: Pick<HttpForwarder, 'forward'>;
  upgrades: Pick<UpgradeForwarder, 'forward'>;
  /** `Router` context: routing decisions. */
  log: Log;
  /** `EngineIO` context: requests served here. */
  engineLog: Log;
  /** Told of every forward and its outcome (metrics). @default none */
  observer?: RoutingObserver;
}

/**
 * Sends every engine.io request to its session's owner. Reads top to bottom:
 * verify the peer headers, decide (hop limit, handshake, owner), then serve
 * locally or forward. The router only ever connects to advertised URLs of live
 * members — nothing in a request can name a host.
 */
export class SessionRouter {
  /** Forwarded long-polls under way, by sid: a draining node asks their owners to flush them. */
  private readonly relayedPolls = new Map<SessionId, NodeId>();
  /** WebSockets relayed for other owners: a leaving node asks their owners to move them. */
  readonly relayedWebSockets = new RelayedWebSockets();

  constructor(private readonly deps: SessionRouterDeps) {}

  route(req: IncomingMessage, res: ServerResponse): void {
    const decision = this.decide(req, false);
    if (decision.serve !== 'after catching up') return this.take(decision, req, res);
    void this.catchUp(decision).then((settled) => this.take(settled, req, res));
  }

  routeUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const decision = this.decide(req, true);
    if (decision.serve !== 'after catching up') return this.takeUpgrade(decision, req, socket, head);
    void this.catchUp(decision).then((settled) => this.takeUpgrade(settled, req, socket, head));
  }

  /**
   * A request a peer relayed over an authenticated relay connection: served
   * here whoever owns its session (hop limit 1), like a signed forwarded one.
   */
  serveRelayed(req: IncomingMessage, res: ServerResponse, via: string): void {
    this.serveLocally({ serve: 'locally', info: describeEngineRequest(req, false), via }, req, res);
  }

  /** Long-polls this node is relaying, grouped by owner. */
  relayedPollsByOwner(): Map<NodeId, SessionId[]> {
    return groupByOwner(this.relayedPolls);
  }

  private take(decision: Settled, req: IncomingMessage, res: ServerResponse): void {
    if (decision.serve === 'locally') return this.serveLocally(decision, req, res);
    void this.forward(decision, req, res);
  }

  private takeUpgrade(decision: Settled, req: IncomingMessage, socket: Duplex, head: Buffer): void {
    if (decision.serve === 'locally') return this.serveUpgradeLocally(decision, req, socket, head);
    void this.forwardUpgrade(decision, req, socket, head);
  }

  private decide(req: IncomingMessage, isUpgrade: boolean): Decision {
    const info = describeEngineRequest(req, isUpgrade);
    // Checked and stripped only when present: deleting absent keys on every client
    // request showed in CPU profiles.
    let via: string | undefined;
    if (hasPeerHeaders(req.headers)) {
      via = this.deps.peerAuth.verify(req.headers, { method: req.method ?? '', url: req.url ?? '' });
      stripPeerHeaders(req.headers);
    }
    // Hop limit 1: what a peer forwarded is served here, never sent on.
    if (via) return { serve: 'locally', info, via };
    const { cluster } = this.deps;
    if (info.kind === 'handshake') {
      // New sessions are placed where they land, unless this node is leaving.
      const peer = cluster.isLeaving ? cluster.anyPeer() : undefined;
      return this.towards(peer, info);
    }
    const sid = parseSessionId(info.sid);
    // No or malformed sid: engine.io gives its own 400 answer.
    if (!sid) return { serve: 'locally', info };
    // Pins of members that left are dropped, so a pin naming no member names one that
    // joined a moment ago: this node has not seen it yet (its peers may have).
    const pinned = cluster.pins.lookup(sid);
    if (pinned && pinned !== cluster.self && !cluster.urlOf(pinned)) {
      return { serve: 'after catching up', info, sid, owner: pinned };
    }
    return this.towards(pinned ?? cluster.ring.ownerOf(sid), info);
  }

  /**
   * Reads the membership once before deciding: answering "Session ID unknown" now
   * would end a live session whose owner joined a moment ago. An owner still
   * unknown after that is gone, and engine.io says so.
   */
  private async catchUp({
    info,
    sid,
    owner,
  }: Extract<Decision, { serve: 'after catching up' }>): Promise<Settled> {
    const { log, cluster } = this.deps;
    if (log.isDebugEnabled()) {
      log.debug(
        `${KIND_LABEL[info.kind]} request for ${sid}: its owner ${owner} is not known here yet; reading the membership`,
        { sid, peer: owner, kind: info.kind },
      );
    }
    // A failed read leaves the view as it was; the decision below stands on it.
    await cluster.catchUp().catch(() => undefined);
    return this.towards(this.ownerOf(sid), info);
  }

  /** A pin names where a session lives whatever the ring says since; the ring places the rest. */
  private ownerOf(sid: SessionId): NodeId {
    const { pins, ring } = this.deps.cluster;
    return pins.lookup(sid) ?? ring.ownerOf(sid);
  }

  private towards(node: NodeId | undefined, info: EngineRequestInfo): Settled {
    if (!node || node === this.deps.cluster.self) return { serve: 'locally', info };
    const url = this.deps.cluster.urlOf(node);
    // An owner that is no member any more: its sessions are gone; engine.io says so.
    if (!url) return { serve: 'locally', info };
    return { serve: 'remotely', info, target: { id: node, url } };
  }

  private serveLocally(decision: Settled, req: IncomingMessage, res: ServerResponse): void {
    this.logServed(decision, decision.serve === 'locally' ? decision.via : undefined);
    if (decision.info.sid) res.setHeader('x-owner', this.deps.cluster.self);
    this.deps.engine.handleRequest(req, res);
  }

  private serveUpgradeLocally(decision: Settled, req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const via = decision.serve === 'locally' ? decision.via : undefined;
    this.logServed(decision, via);
    if (via) noteRelayedUpgrade(req, via);
    this.deps.engine.handleUpgrade(req, socket, head);
  }

  private async forward(
    decision: Extract<Decision, { serve: 'remotely' }>,
    req: IncomingMessage,
    res: ServerResponse,
  ): Promise<void> {
    const { info, target } = decision;
    this.logForward(info, target);
    const sid = info.kind === 'poll' ? parseSessionId(info.sid) : undefined;
    if (sid) this.relayedPolls.set(sid, target.id);
    const started = performance.now();
    const outcome = await this.relayOrForward(req, res, target);
    this.deps.observer?.forwarded(info.kind, outcome, (performance.now() - started) / 1000);
    if (sid) this.relayedPolls.delete(sid);
    if (outcome === 'unreachable') {
      this.ownerUnreachable(info, target);
      answerSessionUnknown(res);
    }
  }

  private async forwardUpgrade(
    decision: Extract<Decision, { serve: 'remotely' }>,
    req: IncomingMessage,
    socket: Duplex,
    head: Buffer,
  ): Promise<void> {
    const { info, target } = decision;
    this.logForward(info, target);
    const started = performance.now();
    const outcome = await this.deps.upgrades.forward(
      req,
      socket,
      head,
      target,
      this.peerHeaders(req, target),
    );
    const sid = parseSessionId(info.sid);
    if (outcome === 'forwarded' && sid && !socket.destroyed) {
      socket.once('close', this.relayedWebSockets.add(sid, target.id));
    }
    this.deps.observer?.forwarded(info.kind, outcome, (performance.now() - started) / 1000);
    if (outcome === 'unreachable') {
      this.ownerUnreachable(info, target);
      answerUpgradeSessionUnknown(socket);
    }
  }

  /** Over the relay connection to the owner; as a signed HTTP request if it does not speak the relay. */
  private relayOrForward(
    req: IncomingMessage,
    res: ServerResponse,
    target: ForwardTarget,
  ): Promise<ForwardOutcome> {
    const { relay, http } = this.deps;
    const byHttp = (): Promise<ForwardOutcome> =>
      http.forward(req, res, target, this.peerHeaders(req, target));
    if (!relay.speaksTo(target)) return byHttp();
    return relay.forward(req, res, target).then((outcome) => (outcome === 'not-spoken' ? byHttp() : outcome));
  }

  /** Signed for this one request to this one owner: never reused, valid nowhere else. */
  private peerHeaders(req: IncomingMessage, target: ForwardTarget): Record<string, string> {
    return this.deps.peerAuth.sign(target.id, {
      method: req.method ?? '',
      url: req.url ?? '',
    });
  }

  private ownerUnreachable(info: EngineRequestInfo, target: ForwardTarget): void {
    this.deps.log.warn(
      `${KIND_LABEL[info.kind]} request for ${info.sid ?? '(new session)'} -> ${target.id} failed: ` +
        `owner unreachable; answered "Session ID unknown" so the client reconnects`,
      { sid: info.sid, peer: target.id, kind: info.kind },
    );
    this.deps.cluster.suspect(target.id);
  }

  private logForward(info: EngineRequestInfo, target: ForwardTarget): void {
    if (!this.deps.log.isDebugEnabled()) return;
    this.deps.log.debug(
      `${KIND_LABEL[info.kind]} request for ${info.sid ?? '(new session)'} -> ${target.id}`,
      { sid: info.sid, peer: target.id, kind: info.kind },
    );
  }

  private logServed(decision: Decision, via: string | undefined): void {
    if (!this.deps.engineLog.isDebugEnabled()) return;
    const { sid, kind } = decision.info;
    this.deps.engineLog.debug(describeForLog(decision.info, via), { sid, kind, via });
  }
}
