import type {
  IncomingMessage,
  Server as HttpServer,
  ServerResponse,
} from 'node:http';
import type { Duplex } from 'node:stream';
import type { Server as EngineServer } from 'engine.io';
import type { Log } from '@app/logging';
import { describeEngineRequest, describeForLog } from './engine-request.js';

export interface EngineEntryOptions {
  /** This node's id, sent back on every response as `x-node`. */
  nodeId: string;
  /** URL prefix of engine.io requests. @default '/socket.io/' */
  path?: string;
}

type RequestListener = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * The node's front door: every HTTP request and upgrade passes here first.
 * engine.io requests go to the engine, the rest to the HTTP app (Nest).
 * Every response is stamped with `x-node` so a client can tell who answered.
 */
export class EngineEntry {
  private readonly path: string;
  private appListeners: RequestListener[] = [];

  constructor(
    private readonly httpServer: HttpServer,
    private readonly engine: EngineServer,
    private readonly options: EngineEntryOptions,
    private readonly log: Log,
  ) {
    this.path = options.path ?? '/socket.io/';
  }

  /** Takes over the server's request and upgrade events. */
  install(): void {
    this.appListeners = this.httpServer.listeners(
      'request',
    ) as RequestListener[];
    this.httpServer.removeAllListeners('request');
    this.httpServer.on('request', (req, res) => this.onRequest(req, res));
    this.httpServer.on(
      'upgrade',
      (req: IncomingMessage, socket: Duplex, head: Buffer) =>
        this.onUpgrade(req, socket, head),
    );
    // The WebSocket 101 answer is written by engine.io; stamp it there.
    this.engine.on('headers', (headers: Record<string, string>) => {
      headers['x-node'] = this.options.nodeId;
    });
  }

  private isEngineRequest(req: IncomingMessage): boolean {
    return (req.url ?? '').startsWith(this.path);
  }

  private onRequest(req: IncomingMessage, res: ServerResponse): void {
    res.setHeader('x-node', this.options.nodeId);
    if (!this.isEngineRequest(req)) {
      for (const listener of this.appListeners)
        listener.call(this.httpServer, req, res);
      return;
    }
    this.logRequest(req, false);
    this.engine.handleRequest(req, res);
  }

  private onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    if (!this.isEngineRequest(req)) {
      socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
      return;
    }
    this.logRequest(req, true);
    this.engine.handleUpgrade(req, socket, head);
  }

  private logRequest(req: IncomingMessage, isUpgrade: boolean): void {
    if (!this.log.isDebugEnabled()) return;
    this.log.debug(describeForLog(describeEngineRequest(req, isUpgrade)));
  }
}
