import { EventEmitter } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import type { RequestHead, ResponseHead } from './relay-frames.js';

/**
 * A request that came over the relay, as engine.io (and socket.io's handshake)
 * read an `IncomingMessage`: method, URL, headers, the client's address, and the
 * body as a readable stream. It emits 'close' only when the relaying node
 * cancels it (its client left), as a socket's close would.
 */
export class RelayedRequest extends Readable {
  readonly method: string;
  readonly url: string;
  readonly headers: Record<string, string | string[]>;
  readonly httpVersion = '1.1';
  /** What engine.io and socket.io read of the connection. */
  readonly socket: { remoteAddress?: string; encrypted: false };

  constructor(head: RequestHead) {
    super({ autoDestroy: false, emitClose: true });
    this.method = head.method;
    this.url = head.url;
    this.headers = head.headers;
    this.socket = { remoteAddress: head.remoteAddress, encrypted: false };
    if (head.complete) this.push(null);
  }

  get connection(): RelayedRequest['socket'] {
    return this.socket;
  }

  override _read(): void {
    // Data is pushed as frames arrive.
  }

  /** The `IncomingMessage` engine.io is given: the fields it reads are all here. */
  asIncomingMessage(): IncomingMessage {
    return this as unknown as IncomingMessage;
  }
}

/** Where a relayed answer goes: frames back to the relaying node. */
export interface AnswerSink {
  head(head: ResponseHead): void;
  data(chunk: Buffer | string): void;
  end(): void;
  /** The answer was given up half-way: the relaying node cuts its client off. */
  abort(): void;
}

type HeaderValue = string | number | string[];

/**
 * The answer to a relayed request, as engine.io, its CORS middleware and the
 * router write a `ServerResponse`: headers, writeHead, write, end. The head
 * leaves with the first byte of body (or the end); 'finish' and 'close' follow
 * the end, as on a real response.
 */
export class RelayedResponse extends EventEmitter {
  statusCode = 200;
  headersSent = false;
  writableEnded = false;
  writableFinished = false;
  destroyed = false;
  private readonly headers: Record<string, HeaderValue> = {};

  constructor(private readonly sink: AnswerSink) {
    super();
  }

  setHeader(name: string, value: HeaderValue): this {
    this.headers[name.toLowerCase()] = value;
    return this;
  }

  getHeader(name: string): HeaderValue | undefined {
    return this.headers[name.toLowerCase()];
  }

  getHeaders(): Record<string, HeaderValue> {
    return { ...this.headers };
  }

  hasHeader(name: string): boolean {
    return name.toLowerCase() in this.headers;
  }

  removeHeader(name: string): void {
    delete this.headers[name.toLowerCase()];
  }

  writeHead(status: number, headers?: Record<string, HeaderValue | undefined>): this {
    this.statusCode = status;
    for (const [name, value] of Object.entries(headers ?? {})) {
      if (value !== undefined) this.setHeader(name, value);
    }
    return this;
  }

  write(chunk: Buffer | string): boolean {
    if (this.writableEnded || this.destroyed) return false;
    this.sendHead();
    if (chunk.length > 0) this.sink.data(chunk);
    return true;
  }

  end(chunk?: Buffer | string): this {
    if (this.writableEnded || this.destroyed) return this;
    if (chunk !== undefined) this.write(chunk);
    else this.sendHead();
    this.writableEnded = true;
    this.sink.end();
    // Later, as a socket's write completes: engine.io and the close race count on
    // what they do in this tick happening before the response reports closed.
    setImmediate(() => {
      this.writableFinished = true;
      this.emit('finish');
      this.emit('close');
    });
    return this;
  }

  /** Gives the answer up: the relaying node cuts its client off. */
  destroy(): this {
    if (this.destroyed || this.writableEnded) return this;
    this.destroyed = true;
    this.sink.abort();
    this.emit('close');
    return this;
  }

  /** The relaying node's client left: engine.io sees the response close unfinished. */
  cancelled(): void {
    if (this.destroyed || this.writableEnded) return;
    this.destroyed = true;
    this.emit('close');
  }

  /** The `ServerResponse` engine.io is given: the members it uses are all here. */
  asServerResponse(): ServerResponse {
    return this as unknown as ServerResponse;
  }

  private sendHead(): void {
    if (this.headersSent) return;
    this.headersSent = true;
    this.sink.head({ status: this.statusCode, headers: this.headers });
  }
}
