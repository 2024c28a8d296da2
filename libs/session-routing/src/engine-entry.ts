import type { IncomingMessage, Server as HttpServer, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { RelayAcceptor } from './relay-acceptor.js';
import { RELAY_PATH } from './relay-frames.js';
import type { SessionRouter } from './session-router.js';

export interface EngineEntryOptions {
  /** This node's id, sent back on every response as `x-node`. */
  nodeId: string;
  /** URL prefix of engine.io requests. @default '/socket.io/' */
  path?: string;
}

type RequestListener = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * The node's front door: every HTTP request and upgrade passes here first.
 * engine.io requests go to the session router, the rest to the HTTP app (Nest).
 * Every response is stamped with `x-node` so a client can tell who answered.
 */
export class EngineEntry {
  private readonly path: string;
  private appListeners: RequestListener[] = [];
  private draining = false;

  constructor(
    private readonly httpServer: HttpServer,
    private readonly router: SessionRouter,
    private readonly options: EngineEntryOptions,
    /** Where peers' relay connections (upgrades to RELAY_PATH) go. */
    private readonly relay?: Pick<RelayAcceptor, 'accept'>,
  ) {
    this.path = options.path ?? '/socket.io/';
  }

  /** Takes over the server's request and upgrade events. */
  install(): void {
    this.appListeners = this.httpServer.listeners('request') as RequestListener[];
    this.httpServer.removeAllListeners('request');
    this.httpServer.on('request', (req, res) => this.onRequest(req, res));
    this.httpServer.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) =>
      this.onUpgrade(req, socket, head),
    );
  }

  /**
   * From now on every response asks the client (nginx) to close the connection,
   * so no new request reaches this node on a kept-alive one.
   */
  startDraining(): void {
    this.draining = true;
  }

  private isEngineRequest(req: IncomingMessage): boolean {
    return (req.url ?? '').startsWith(this.path);
  }

  private onRequest(req: IncomingMessage, res: ServerResponse): void {
    res.setHeader('x-node', this.options.nodeId);
    if (this.draining) res.setHeader('connection', 'close');
    if (!this.isEngineRequest(req)) {
      for (const listener of this.appListeners) listener.call(this.httpServer, req, res);
      return;
    }
    this.router.route(req, res);
  }

  private onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    if (this.relay && req.url === RELAY_PATH) return this.relay.accept(req, socket, head);
    if (!this.isEngineRequest(req)) {
      socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
      return;
    }
    this.router.routeUpgrade(req, socket, head);
  }
}
