import { connect, type Socket } from 'node:net';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { ForwardOutcome, ForwardTarget } from './forward-target.js';
import { InFlight } from './in-flight.js';

export interface UpgradeForwarderOptions {
  /** Give up if the owner does not accept the connection this fast. @default 2000 */
  connectTimeoutMs?: number;
  /** Give up if the owner does not answer the upgrade this fast. @default 5000 */
  answerTimeoutMs?: number;
}

export const UPGRADE_FORWARDER_DEFAULTS = {
  connectTimeoutMs: 2000,
  answerTimeoutMs: 5000,
} as const;

/**
 * Relays a WebSocket upgrade to its owner: writes the request head to a fresh
 * TCP connection, then pipes bytes both ways. Whatever the owner answers — 101,
 * or engine.io's 400 — reaches the client unchanged.
 */
export class UpgradeForwarder {
  /** Open relays: a draining node waits for them. */
  readonly inFlight = new InFlight();
  private readonly options: Required<UpgradeForwarderOptions>;

  constructor(options: UpgradeForwarderOptions = {}) {
    this.options = { ...UPGRADE_FORWARDER_DEFAULTS, ...options };
  }

  /**
   * Resolves once the owner has answered (`forwarded`; the relay then lives on
   * until either side closes), or `unreachable` with nothing written to the
   * client (the caller answers it), or `aborted` if the client left first.
   */
  forward(
    req: IncomingMessage,
    client: Duplex,
    head: Buffer,
    target: ForwardTarget,
    peerHeaders: Record<string, string>,
  ): Promise<ForwardOutcome> {
    const release = this.inFlight.start();
    const url = new URL(target.url);
    return new Promise<ForwardOutcome>((resolve) => {
      let phase: 'connecting' | 'awaiting-answer' | 'relaying' | 'ended' = 'connecting';
      const upstream: Socket = connect({
        host: url.hostname,
        port: Number(url.port || 80),
      });
      let timer = setTimeout(() => end('unreachable'), this.options.connectTimeoutMs);
      const end = (outcome: ForwardOutcome): void => {
        if (phase === 'ended') return;
        const relaying = phase === 'relaying';
        phase = 'ended';
        clearTimeout(timer);
        client.unpipe(upstream);
        upstream.destroy();
        if (relaying || outcome === 'aborted') client.destroy();
        release();
        if (!relaying) resolve(outcome);
      };
      upstream.once('connect', () => {
        clearTimeout(timer);
        phase = 'awaiting-answer';
        timer = setTimeout(() => end('unreachable'), this.options.answerTimeoutMs);
        upstream.once('data', () => {
          clearTimeout(timer);
          phase = 'relaying';
          resolve('forwarded');
        });
        upstream.setNoDelay(true);
        upstream.write(requestHead(req, peerHeaders));
        if (head.length > 0) upstream.write(head);
        upstream.pipe(client);
        client.pipe(upstream);
      });
      upstream.on('error', () => end('unreachable'));
      upstream.on('close', () => end('unreachable'));
      client.on('error', () => end('aborted'));
      client.on('close', () => end('aborted'));
    });
  }
}

/** The upgrade request as the owner must see it, with the peer headers added. */
function requestHead(req: IncomingMessage, peerHeaders: Record<string, string>): string {
  const lines = [`${req.method ?? 'GET'} ${req.url ?? '/'} HTTP/1.1`];
  const raw = req.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i].toLowerCase();
    if (name in peerHeaders) continue;
    lines.push(`${raw[i]}: ${raw[i + 1]}`);
  }
  for (const [name, value] of Object.entries(peerHeaders)) lines.push(`${name}: ${value}`);
  return `${lines.join('\r\n')}\r\n\r\n`;
}
