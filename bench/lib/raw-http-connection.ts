import { connect, type Socket } from 'node:net';

/** The status and body of one answer. */
export interface RawAnswer {
  status: number;
  body: string;
}

interface Pending {
  resolve(answer: RawAnswer): void;
  reject(error: Error): void;
  /** The connection the request went out on: only its end fails the request. */
  socket: Socket;
}

const HEAD_END = Buffer.from('\r\n\r\n');

/**
 * One keep-alive HTTP/1.1 connection, one request at a time, written and parsed
 * by hand: the load generator's polls cost a few string operations instead of
 * Node's ClientRequest, agent and header objects. Answers must carry
 * Content-Length (engine.io's do, and nginx passes it on); anything else fails
 * loudly. Reconnects on the next request after the server closed it.
 */
export class RawHttpConnection {
  private socket?: Socket;
  private pending?: Pending;
  private received: Buffer = Buffer.alloc(0);

  constructor(
    private readonly host: string,
    private readonly port: number,
    private readonly localAddress?: string,
  ) {}

  request(method: 'GET' | 'POST', path: string, body?: string): Promise<RawAnswer> {
    if (this.pending) return Promise.reject(new Error('a request is already in flight on this connection'));
    const socket = this.socket ?? this.open();
    const head =
      `${method} ${path} HTTP/1.1\r\nHost: ${this.host}:${this.port}\r\n` +
      (body === undefined
        ? '\r\n'
        : `Content-Type: text/plain;charset=UTF-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
    return new Promise((resolve, reject) => {
      this.pending = { resolve, reject, socket };
      socket.write(head);
    });
  }

  close(): void {
    this.socket?.destroy();
  }

  private open(): Socket {
    const socket = connect({
      host: this.host,
      port: this.port,
      localAddress: this.localAddress,
      noDelay: true,
    });
    this.socket = socket;
    this.received = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    const gone = (error?: Error): void => {
      if (this.socket === socket) this.socket = undefined;
      // A connection the server ended with `Connection: close` closes after its last
      // answer resolved, when the next request may already be out on a new one.
      const pending = this.pending;
      if (pending?.socket !== socket) return;
      this.pending = undefined;
      pending.reject(error ?? new Error('connection closed before the answer'));
    };
    socket.on('error', gone);
    socket.on('close', () => gone());
    return socket;
  }

  private onData(chunk: Buffer): void {
    this.received = this.received.length === 0 ? chunk : Buffer.concat([this.received, chunk]);
    const headEnd = this.received.indexOf(HEAD_END);
    if (headEnd < 0) return;
    const head = this.received.toString('latin1', 0, headEnd);
    const length = /\r\ncontent-length: *(\d+)/i.exec(head)?.[1];
    if (length === undefined) {
      this.socket?.destroy(new Error(`answer without Content-Length: ${head.split('\r\n')[0]}`));
      return;
    }
    const bodyStart = headEnd + HEAD_END.length;
    const end = bodyStart + Number(length);
    if (this.received.length < end) return;
    const body = this.received.toString('utf8', bodyStart, end);
    this.received = this.received.subarray(end);
    const pending = this.pending;
    this.pending = undefined;
    if (/\r\nconnection: *close/i.test(head)) {
      this.socket?.destroy();
      this.socket = undefined;
    }
    pending?.resolve({ status: Number(head.slice(9, 12)), body });
  }
}
