import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { LogThrottle, type Log } from '@app/logging';
import type { PeerAuth } from './peer-auth.js';
import { RELAY_PROTOCOL } from './relay-frames.js';
import { RelaySession, type RelayedRequestHandler } from './relay-session.js';

export interface RelayAcceptorDeps {
  /** Verifies the upgrade's peer headers: signed for this node, fresh, never seen before. */
  peerAuth: Pick<PeerAuth, 'verify'>;
  /** Whether `id` is a registered member now: only members may relay. */
  isMember(id: string): boolean;
  handler: RelayedRequestHandler;
  /** `Relay` context: connections opened (info) and refused (warn, throttled). */
  log: Log;
}

/**
 * The owner's door for relay connections: an HTTP upgrade to the relay path
 * carrying peer headers. The signature is checked once per connection, with the
 * same rules as a signed request (this node's id, time window, one use per
 * nonce), and the sender must be a member; then the connection carries that
 * peer's requests until either side closes it. Anything else gets 403 (503
 * while this node leaves); the peer then forwards by signed HTTP requests.
 */
export class RelayAcceptor {
  private readonly sessions = new Set<RelaySession>();
  /** Peers that left, and until when they may still relay (see forgetPeer). */
  private readonly departed = new Map<string, number>();
  private readonly logThrottle = new LogThrottle();
  private draining = false;

  constructor(private readonly deps: RelayAcceptorDeps) {}

  accept(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const from = this.deps.peerAuth.verify(req.headers, { method: req.method ?? '', url: req.url ?? '' });
    const refusal = this.refusal(req, from);
    if (refusal || !from) {
      if (this.logThrottle.allow(refusal)) {
        this.deps.log.warn(`refused a relay connection from ${req.socket.remoteAddress}: ${refusal}`);
      }
      const status = this.draining ? '503 Service Unavailable' : '403 Forbidden';
      socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      return;
    }
    socket.write(
      `HTTP/1.1 101 Switching Protocols\r\nUpgrade: ${RELAY_PROTOCOL}\r\nConnection: Upgrade\r\n\r\n`,
    );
    this.deps.log.info(`relay connection from ${from} opened`);
    const session = new RelaySession(socket as Socket, from, this.deps.handler);
    this.sessions.add(session);
    socket.once('close', () => this.sessions.delete(session));
    if (head.length > 0) session.receive(head);
  }

  /**
   * A peer that left keeps relaying for `graceMs`: on its connections, and on a
   * new one should it need one. A gracefully leaving peer still receives its
   * clients' requests for a moment (nginx's old workers, kept-alive connections)
   * after this node sees it go, and its flush may come later still; refusing them
   * would end live sessions of this node ("Session ID unknown"). A crashed peer's
   * socket closes by itself. Its connections are cut after the grace in any case
   * (a peer cut off by the network).
   */
  forgetPeer(id: string, graceMs: number): void {
    this.departed.set(id, Date.now() + graceMs);
    setTimeout(() => {
      if ((this.departed.get(id) ?? 0) <= Date.now()) this.departed.delete(id);
      for (const session of this.sessions) if (session.peer === id) session.close();
    }, graceMs).unref();
  }

  /** A leaving node: each connection ends once its running requests are answered. */
  startDraining(): void {
    this.draining = true;
    for (const session of this.sessions) session.goAway();
  }

  close(): void {
    for (const session of this.sessions) session.close();
    this.sessions.clear();
  }

  private inGrace(peer: string): boolean {
    return (this.departed.get(peer) ?? 0) > Date.now();
  }

  private refusal(req: IncomingMessage, from: string | undefined): string {
    if (req.headers.upgrade !== RELAY_PROTOCOL) return `not the ${RELAY_PROTOCOL} protocol`;
    if (!from) return 'no valid peer signature';
    if (!this.deps.isMember(from) && !this.inGrace(from)) return `${from} is not a member`;
    if (this.draining) return 'this node is leaving';
    return '';
  }
}
