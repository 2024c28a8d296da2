import { connect, type Socket } from 'node:net';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { endToEndHeaders } from './hop-headers.js';
import type { ForwardOutcome, ForwardTarget } from './forward-target.js';
import {
  frameReceiver,
  FrameType,
  FrameWriter,
  RELAY_PATH,
  RELAY_PROTOCOL,
  parseHead,
  type Frame,
  type RequestHead,
  type ResponseHead,
} from './relay-frames.js';

export interface RelayConnectionOptions {
  /** Give up if the owner does not accept and answer the upgrade this fast. @default 2000 */
  connectTimeoutMs?: number;
  /** Give up on a stream whose owner sends no answer head this fast (a long-poll waits). @default 50000 */
  responseTimeoutMs?: number;
}

export const RELAY_CONNECTION_DEFAULTS = {
  connectTimeoutMs: 2000,
  responseTimeoutMs: 50_000,
} as const;

/**
 * What opening a relay connection gave: the connection, or why not. `not-spoken`:
 * the owner does not know the relay path (a node of an older version);
 * `refused`: it knows it but said no (leaving, or not counting this node a
 * member yet); `unreachable`: no answer in time.
 */
export type RelayOpening = RelayConnection | 'unreachable' | 'not-spoken' | 'refused';

interface Stream {
  res: ServerResponse;
  answered: boolean;
  settle(outcome: ForwardOutcome): void;
}

/** Bytes of an owner's answer to the upgrade kept at most (a 101 is about 80). */
const MAX_ANSWER_HEAD = 4096;

/**
 * A relaying node's connection to one owner, authenticated once when opened
 * (an HTTP upgrade with peer headers): every poll or push for that owner's
 * sessions is a stream on it, no handshake, signature or TCP connection each.
 */
export class RelayConnection {
  private readonly streams = new Map<number, Stream>();
  private readonly writer: FrameWriter;
  private readonly receive: (chunk: Buffer) => void;
  private nextStream = 1;
  private goingAway = false;
  private onIdle?: () => void;

  private constructor(
    private readonly socket: Socket,
    private readonly target: ForwardTarget,
    private readonly options: Required<RelayConnectionOptions>,
  ) {
    this.writer = new FrameWriter(socket);
    this.receive = frameReceiver(socket, (frame) => this.onFrame(frame));
    socket.on('data', this.receive);
    socket.on('close', () => this.failAll());
    socket.on('error', () => socket.destroy());
  }

  /** Connects to the owner and asks for the relay, with `peerHeaders` signed for this one upgrade. */
  static open(
    target: ForwardTarget,
    peerHeaders: Record<string, string>,
    options: RelayConnectionOptions = {},
  ): Promise<RelayOpening> {
    const settings = { ...RELAY_CONNECTION_DEFAULTS, ...options };
    const url = new URL(target.url);
    return new Promise((resolve) => {
      const socket = connect({ host: url.hostname, port: Number(url.port || 80) });
      socket.setNoDelay(true);
      let answer = Buffer.alloc(0);
      const done = (result: RelayOpening): void => {
        clearTimeout(timer);
        socket.removeListener('data', onData);
        if (typeof result === 'string') socket.destroy();
        resolve(result);
      };
      const timer = setTimeout(() => done('unreachable'), settings.connectTimeoutMs);
      const onData = (chunk: Buffer): void => {
        answer = Buffer.concat([answer, chunk]);
        const end = answer.indexOf('\r\n\r\n');
        if (end < 0) {
          if (answer.length > MAX_ANSWER_HEAD) done('not-spoken');
          return;
        }
        const status = /^HTTP\/1\.1 (\d{3}) /.exec(answer.toString('latin1', 0, end))?.[1];
        if (status !== '101') return done(status === '400' || status === '404' ? 'not-spoken' : 'refused');
        const connection = new RelayConnection(socket, target, settings);
        done(connection);
        const rest = answer.subarray(end + 4);
        if (rest.length > 0) connection.receive(rest);
      };
      socket.on('data', onData);
      socket.once('error', () => done('unreachable'));
      socket.once('close', () => done('unreachable'));
      socket.once('connect', () => {
        const headers = Object.entries(peerHeaders).map(([name, value]) => `${name}: ${value}\r\n`);
        socket.write(
          `GET ${RELAY_PATH} HTTP/1.1\r\nHost: ${url.host}\r\nConnection: Upgrade\r\n` +
            `Upgrade: ${RELAY_PROTOCOL}\r\n${headers.join('')}\r\n`,
        );
      });
    });
  }

  /** Open, and not told by the owner to stop starting streams. */
  get usable(): boolean {
    return !this.goingAway && !this.socket.destroyed;
  }

  /** Called once, when the connection stops being usable. */
  whenUnusable(callback: () => void): void {
    this.onIdle = callback;
    this.socket.once('close', callback);
  }

  /**
   * Relays one poll or push and streams the answer to `res`. The outcomes are
   * those of the HTTP forwarder: `unreachable` with nothing written to `res`
   * (the caller answers), `aborted` when either side went away mid-answer.
   */
  forward(req: IncomingMessage, res: ServerResponse): Promise<ForwardOutcome> {
    // Lost since the caller picked it (its close is what removes it from the pool).
    if (this.socket.destroyed) return Promise.resolve('unreachable');
    const id = this.nextStream;
    this.nextStream = this.nextStream >= 0xffffffff ? 1 : this.nextStream + 1;
    return new Promise<ForwardOutcome>((resolve) => {
      let settled = false;
      const stream: Stream = {
        res,
        answered: false,
        settle: (outcome) => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          this.streams.delete(id);
          resolve(outcome);
          if (this.goingAway && this.streams.size === 0) this.socket.end();
        },
      };
      this.streams.set(id, stream);
      const timer = setTimeout(() => {
        this.writer.write(FrameType.Cancel, id);
        if (stream.answered) res.destroy();
        stream.settle(stream.answered ? 'aborted' : 'unreachable');
      }, this.options.responseTimeoutMs);
      res.on('close', () => {
        if (res.writableFinished || settled) return;
        this.writer.write(FrameType.Cancel, id);
        stream.settle('aborted');
      });
      const complete = hasNoBody(req);
      this.writer.write(FrameType.Head, id, JSON.stringify(requestHead(req, complete)));
      if (complete) {
        req.resume();
        return;
      }
      req.on('data', (chunk: Buffer) => {
        if (settled) return;
        if (!this.writer.write(FrameType.Data, id, chunk)) {
          req.pause();
          this.socket.once('drain', () => req.resume());
        }
      });
      req.on('end', () => {
        if (!settled) this.writer.write(FrameType.End, id);
      });
    });
  }

  close(): void {
    this.socket.destroy();
  }

  private onFrame({ type, stream: id, payload }: Frame): void {
    if (type === FrameType.GoAway) return this.goAway();
    const stream = this.streams.get(id);
    if (!stream) return;
    const { res } = stream;
    switch (type) {
      case FrameType.Head: {
        const head = parseHead<ResponseHead>(payload);
        if (!head) {
          this.socket.destroy();
          return;
        }
        stream.answered = true;
        const headers = endToEndHeaders(head.headers as Record<string, string>, {
          'x-owner': this.target.id,
        });
        // `x-node` names the node the client reached; the owner is `x-owner`.
        delete headers['x-node'];
        res.writeHead(head.status, headers);
        return;
      }
      case FrameType.Data:
        res.write(payload);
        return;
      case FrameType.End:
        res.end();
        stream.settle('forwarded');
        return;
      case FrameType.Cancel:
        if (stream.answered) res.destroy();
        stream.settle(stream.answered ? 'aborted' : 'unreachable');
        return;
      default:
        return;
    }
  }

  private goAway(): void {
    if (this.goingAway) return;
    this.goingAway = true;
    this.onIdle?.();
    if (this.streams.size === 0) this.socket.end();
  }

  /** The connection is gone: answers not begun are the caller's to give; begun ones are cut. */
  private failAll(): void {
    for (const stream of this.streams.values()) {
      if (stream.answered) stream.res.destroy();
      stream.settle(stream.answered ? 'aborted' : 'unreachable');
    }
  }
}

/** HTTP/1.1: a request without Content-Length or Transfer-Encoding has no body. */
function hasNoBody(req: IncomingMessage): boolean {
  return req.headers['content-length'] === undefined && req.headers['transfer-encoding'] === undefined;
}

function requestHead(req: IncomingMessage, complete: boolean): RequestHead {
  const head: RequestHead = {
    method: req.method ?? 'GET',
    url: req.url ?? '/',
    headers: endToEndHeaders(req.headers) as Record<string, string | string[]>,
    remoteAddress: req.socket.remoteAddress,
  };
  if (complete) head.complete = true;
  return head;
}
