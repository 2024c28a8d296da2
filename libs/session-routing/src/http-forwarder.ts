import { Agent, request, type IncomingMessage, type ServerResponse } from 'node:http';
import { endToEndHeaders } from './hop-headers.js';
import type { ForwardOutcome, ForwardTarget } from './forward-target.js';
import { InFlight } from './in-flight.js';
import { FORWARDER_IDLE_TIMEOUT_MS } from './keep-alive.js';

export interface HttpForwarderOptions {
  /** Give up if the owner does not accept the connection this fast. @default 2000 */
  connectTimeoutMs?: number;
  /**
   * Give up if the owner sends no response head this fast. A long-poll GET waits
   * for data up to pingInterval, so this must exceed it. @default 50000
   */
  responseTimeoutMs?: number;
}

export const HTTP_FORWARDER_DEFAULTS = {
  connectTimeoutMs: 2000,
  responseTimeoutMs: 50_000,
} as const;

/**
 * Proxies one engine.io HTTP request (poll or push) to its owner: method, URL,
 * headers and body unchanged, streamed both ways, over keep-alive connections
 * pooled per owner.
 */
export class HttpForwarder {
  readonly inFlight = new InFlight();
  private readonly agents = new Map<string, Agent>();
  private readonly options: Required<HttpForwarderOptions>;

  constructor(options: HttpForwarderOptions = {}) {
    this.options = { ...HTTP_FORWARDER_DEFAULTS, ...options };
  }

  forward(
    req: IncomingMessage,
    res: ServerResponse,
    target: ForwardTarget,
    peerHeaders: Record<string, string>,
  ): Promise<ForwardOutcome> {
    const done = this.inFlight.start();
    return new Promise<ForwardOutcome>((resolve) => {
      const url = new URL(target.url);
      let settled = false;
      const settle = (outcome: ForwardOutcome): void => {
        if (settled) return;
        settled = true;
        clearTimeout(connectTimer);
        clearTimeout(responseTimer);
        done();
        resolve(outcome);
      };
      const upstream = request({
        host: url.hostname,
        port: url.port || 80,
        method: req.method,
        path: req.url,
        headers: endToEndHeaders(req.headers, peerHeaders),
        agent: this.agentFor(target.url),
      });
      const fail = (): void => {
        req.unpipe(upstream);
        upstream.destroy();
        settle('unreachable');
      };
      const connectTimer = setTimeout(fail, this.options.connectTimeoutMs);
      const responseTimer = setTimeout(fail, this.options.responseTimeoutMs);
      upstream.on('socket', (socket) => {
        if (!socket.connecting) clearTimeout(connectTimer);
        else socket.once('connect', () => clearTimeout(connectTimer));
      });
      upstream.on('error', () => {
        // Nothing sent to the client yet: the caller answers. Otherwise cut it.
        req.unpipe(upstream);
        if (res.headersSent) res.destroy();
        settle(res.headersSent ? 'aborted' : 'unreachable');
      });
      upstream.on('response', (answer) => {
        clearTimeout(responseTimer);
        const headers = endToEndHeaders(answer.headers, ownerHeader(answer));
        // `x-node` names the node the client reached; the owner is `x-owner`.
        delete headers['x-node'];
        res.writeHead(answer.statusCode ?? 502, headers);
        answer.pipe(res);
        answer.on('end', () => settle('forwarded'));
        answer.on('error', () => {
          res.destroy();
          settle('aborted');
        });
      });
      // The client went away before the answer: stop the upstream request too.
      res.on('close', () => {
        if (!res.writableFinished) {
          upstream.destroy();
          settle('aborted');
        }
      });
      req.pipe(upstream);
    });
  }

  /** Drops the connection pool of a node that left. */
  forget(url: string): void {
    this.agents.get(url)?.destroy();
    this.agents.delete(url);
  }

  close(): void {
    for (const agent of this.agents.values()) agent.destroy();
    this.agents.clear();
  }

  private agentFor(url: string): Agent {
    let agent = this.agents.get(url);
    if (!agent) {
      agent = new Agent({
        keepAlive: true,
        maxSockets: Infinity,
        maxFreeSockets: 256,
        scheduling: 'lifo',
        // Applies to idle pooled sockets only; closes them before the owner would.
        timeout: FORWARDER_IDLE_TIMEOUT_MS,
      });
      this.agents.set(url, agent);
    }
    return agent;
  }
}

/** Tells the client which node served its request behind the one it reached. */
function ownerHeader(answer: IncomingMessage): Record<string, string> {
  const owner = answer.headers['x-node'];
  return typeof owner === 'string' ? { 'x-owner': owner } : {};
}
