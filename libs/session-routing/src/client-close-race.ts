import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Server as EngineServer, Socket as EngineSocket } from 'engine.io';
import { parseSessionId, type SessionId } from '@app/cluster';
import type { Log } from '@app/logging';
import { CloseTombstones, noopPayload, type CloseTombstonesOptions } from './close-tombstones.js';
import { engineSessionId, pollWaitingAtClose } from './engine-internals.js';
import { describeEngineRequest } from './engine-request.js';

export interface ClientCloseRaceOptions extends CloseTombstonesOptions {
  /** `EngineIO` context: polls answered from a tombstone, at debug. */
  log: Log;
  /** The clock. @default Date.now */
  now?: () => number;
}

/** The part of engine.io's server watched: new sessions, and a middleware before verification. */
export type WatchedEngine = Pick<EngineServer, 'on' | 'use'>;

/**
 * The close race: a client sends a poll and a close packet at once. On one node
 * the poll waits, the close answers it with a no-op, later requests get 400. In
 * the cluster a poll relayed by another node can reach the owner after the close,
 * and engine.io would answer it 400. So the owner remembers the sessions its
 * clients closed with no poll waiting (CloseTombstones), and answers such a late
 * poll with the no-op it would have got, once; later requests still get 400.
 */
export class ClientCloseRace {
  private readonly tombstones: CloseTombstones;
  private readonly now: () => number;

  constructor(private readonly options: ClientCloseRaceOptions) {
    this.tombstones = new CloseTombstones(options);
    this.now = options.now ?? Date.now;
  }

  /** Call before requests flow: a middleware added later runs after engine.io's CORS one. */
  install(engine: WatchedEngine): void {
    engine.on('connection', (socket: EngineSocket) => this.watch(socket));
    engine.use((req: IncomingMessage, res: ServerResponse, next: () => void) => {
      if (!this.answeredLatePoll(req, res)) next();
    });
  }

  private watch(socket: EngineSocket): void {
    // A session that starts on a WebSocket never polls.
    if (socket.transport.name !== 'polling') return;
    // Per session, not per poll: a 'close' listener on every poll's response cost the
    // nodes a fifth of their CPU under polling load (each response lived on to a full GC).
    const pollWaiting = pollWaitingAtClose(socket);
    socket.once('close', (reason: string) => {
      // A close packet ends a polling transport with 'transport close'; the server's
      // own closes, timeouts and errors give other reasons and keep engine.io's answers.
      if (reason !== 'transport close' || socket.transport.name !== 'polling') return;
      // A poll was waiting: engine.io has just answered it with the no-op.
      if (pollWaiting()) return;
      this.tombstones.remember(engineSessionId(socket), socket.protocol, this.now());
    });
  }

  /** Answers a poll of a session its client closed just now. */
  private answeredLatePoll(req: IncomingMessage, res: ServerResponse): boolean {
    if (this.tombstones.size === 0) return false;
    const sid = pollingSessionId(req);
    if (!sid) return false;
    const protocol = this.tombstones.take(sid, this.now());
    if (protocol === undefined) return false;
    if (this.options.log.isDebugEnabled())
      this.options.log.debug(`poll for ${sid} arrived after its client closed it: answered with a no-op`);
    answerNoop(res, protocol);
    return true;
  }
}

/** The sid of a plain long-poll GET (not JSONP, not an upgrade); undefined for anything else. */
function pollingSessionId(req: IncomingMessage): SessionId | undefined {
  const { kind, transport, jsonp, sid } = describeEngineRequest(req, false);
  return kind === 'poll' && transport === 'polling' && !jsonp ? parseSessionId(sid) : undefined;
}

/** engine.io's polling answer of one no-op packet, headers included. */
function answerNoop(res: ServerResponse, protocol: number): void {
  const body = noopPayload(protocol);
  res.writeHead(200, {
    'content-type': 'text/plain; charset=UTF-8',
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
  });
  res.end(body);
}
