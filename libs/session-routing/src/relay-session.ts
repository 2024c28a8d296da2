import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import {
  frameReceiver,
  FrameType,
  FrameWriter,
  parseHead,
  type Frame,
  type RequestHead,
} from './relay-frames.js';
import { RelayedRequest, RelayedResponse } from './relayed-message.js';
import { hasPeerHeaders, stripPeerHeaders } from './peer-auth.js';

/** Serves one relayed request: the owner's engine.io, as for a request a peer forwarded. */
export type RelayedRequestHandler = (req: IncomingMessage, res: ServerResponse, via: string) => void;

interface Exchange {
  req: RelayedRequest;
  res: RelayedResponse;
}

/**
 * The owner's side of one relay connection from an authenticated peer: turns
 * each stream into a request/response pair for engine.io and its answer back
 * into frames. Everything on this connection is the peer's (authenticated once,
 * at the upgrade); hop limit 1 holds as the handler serves it here.
 */
export class RelaySession {
  private readonly exchanges = new Map<number, Exchange>();
  private readonly writer: FrameWriter;
  /** Bytes from the peer: the acceptor passes those that came with the upgrade. */
  readonly receive: (chunk: Buffer) => void;
  private goingAway = false;

  constructor(
    private readonly socket: Socket,
    /** The authenticated peer. */
    readonly peer: string,
    private readonly handler: RelayedRequestHandler,
  ) {
    this.writer = new FrameWriter(socket);
    this.receive = frameReceiver(socket, (frame) => this.onFrame(frame));
    socket.setNoDelay(true);
    socket.on('data', this.receive);
    socket.on('error', () => socket.destroy());
    socket.on('close', () => this.cancelAll());
  }

  get closed(): boolean {
    return this.socket.destroyed;
  }

  /** No new streams from now on; the connection ends once the running ones are answered. */
  goAway(): void {
    if (this.goingAway) return;
    this.goingAway = true;
    this.writer.write(FrameType.GoAway, 0);
    this.endIfIdle();
  }

  close(): void {
    this.socket.destroy();
  }

  private onFrame({ type, stream, payload }: Frame): void {
    switch (type) {
      case FrameType.Head:
        return this.start(stream, parseHead<RequestHead>(payload));
      case FrameType.Data:
        this.exchanges.get(stream)?.req.push(payload);
        return;
      case FrameType.End:
        this.exchanges.get(stream)?.req.push(null);
        return;
      case FrameType.Cancel:
        return this.cancel(stream);
      default:
        // GoAway comes from owners only; ignored here.
        return;
    }
  }

  private start(stream: number, head: RequestHead | undefined): void {
    if (!head) {
      this.socket.destroy();
      return;
    }
    // The relaying node strips them; a peer that did not is not believed either.
    if (hasPeerHeaders(head.headers)) stripPeerHeaders(head.headers);
    const req = new RelayedRequest(head);
    const res = new RelayedResponse({
      head: (answer) => this.writer.write(FrameType.Head, stream, JSON.stringify(answer)),
      data: (chunk) => this.writer.write(FrameType.Data, stream, chunk),
      end: () => {
        this.writer.write(FrameType.End, stream);
        this.finish(stream);
      },
      abort: () => {
        this.writer.write(FrameType.Cancel, stream);
        this.finish(stream);
      },
    });
    this.exchanges.set(stream, { req, res });
    this.handler(req.asIncomingMessage(), res.asServerResponse(), this.peer);
  }

  private cancel(stream: number): void {
    const exchange = this.exchanges.get(stream);
    if (!exchange) return;
    this.exchanges.delete(stream);
    exchange.req.destroy();
    exchange.res.cancelled();
    this.endIfIdle();
  }

  private finish(stream: number): void {
    this.exchanges.delete(stream);
    this.endIfIdle();
  }

  private endIfIdle(): void {
    if (this.goingAway && this.exchanges.size === 0) this.socket.end();
  }

  private cancelAll(): void {
    for (const stream of this.exchanges.keys()) this.cancel(stream);
  }
}
