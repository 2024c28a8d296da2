import { RawHttpConnection } from './raw-http-connection.js';

/**
 * A lean socket.io client over engine.io v4 long-polling, for load generation:
 * hand-written HTTP over two keep-alive connections (RawHttpConnection), the
 * engine.io payload framing and the
 * socket.io packet encoding of the few packets the chat uses, nothing else (no
 * reconnection, no upgrade, no binary). socket.io-client spends most of a core
 * near 3,000 deliveries/s in its XMLHttpRequest emulation; this one a fraction.
 *
 * engine.io v4 polling: a GET returns the packets waiting for the session, a POST
 * carries the client's, each payload's packets separated by a record separator.
 * One GET and one POST at most in flight per session (engine.io refuses overlaps),
 * so packets queued while a POST is on its way go out together in the next.
 */

const SEPARATOR = '\x1e';
const NAMESPACE = '/chat';
/** engine.io packet types (first character) and socket.io's, after engine.io's "message" (4). */
const OPEN = '0';
const CLOSE = '1';
const PING = '2';
const PONG = '3';
const CONNECT = `40${NAMESPACE},`;
const CONNECT_ERROR = `44${NAMESPACE},`;
const EVENT = `42${NAMESPACE},`;
const ACK = `43${NAMESPACE},`;

export interface LeanClientOptions {
  /** Base URL (nginx or a node). */
  url: string;
  /** socket.io's `auth` of the /chat namespace. */
  auth: Record<string, string>;
  /** Where this client's connections come from (nginx hashes on it when sticky). @default the system's choice */
  localAddress?: string;
  /** Give up connecting after this long. @default 10000 */
  timeoutMs?: number;
}

type Handler = (payload: unknown) => void;

export class LeanPollingClient {
  connected = false;
  private sid = '';
  private closed = false;
  /** The long-poll GETs on one connection, the POSTs on the other. */
  private readonly polls: RawHttpConnection;
  private readonly pushes: RawHttpConnection;
  private readonly path: string;
  private readonly handlers = new Map<string, Handler>();
  private readonly acks = new Map<number, (answer: unknown) => void>();
  private nextAckId = 1;
  private outbox: string[] = [];
  private posting = false;
  private onConnect?: (error?: Error) => void;

  private constructor(private readonly options: LeanClientOptions) {
    const url = new URL(options.url);
    const port = Number(url.port || 80);
    this.polls = new RawHttpConnection(url.hostname, port, options.localAddress);
    this.pushes = new RawHttpConnection(url.hostname, port, options.localAddress);
    this.path = `${url.pathname.replace(/\/$/, '')}/socket.io/?EIO=4&transport=polling`;
  }

  /** Handshakes, connects the /chat namespace and starts polling. */
  static async connect(options: LeanClientOptions): Promise<LeanPollingClient> {
    const client = new LeanPollingClient(options);
    try {
      await client.open();
      return client;
    } catch (error) {
      client.close();
      throw error;
    }
  }

  /** The handler of server event `event` (one per event). */
  on(event: string, handler: Handler): void {
    this.handlers.set(event, handler);
  }

  emit(event: string, payload: unknown): void {
    this.send(`${EVENT}${JSON.stringify([event, payload])}`);
  }

  /** An event with an acknowledgement; resolves with the server's answer. */
  emitWithAck(event: string, payload: unknown, timeoutMs: number): Promise<unknown> {
    const id = this.nextAckId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.acks.delete(id);
        reject(new Error(`no ack for ${event} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.acks.set(id, (answer) => {
        clearTimeout(timer);
        resolve(answer);
      });
      this.send(`${EVENT}${id}${JSON.stringify([event, payload])}`);
    });
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.connected) {
      this.connected = false;
      // Tells the server at once rather than by ping timeout; no answer awaited.
      this.polls.close();
      this.http('POST', CLOSE).then(
        () => this.pushes.close(),
        () => this.pushes.close(),
      );
    } else this.closeConnections();
  }

  private async open(): Promise<void> {
    const { timeoutMs = 10_000 } = this.options;
    const handshake = await this.http('GET');
    if (!handshake.startsWith(OPEN)) throw new Error(`handshake answered "${handshake.slice(0, 80)}"`);
    this.sid = (JSON.parse(handshake.slice(1)) as { sid: string }).sid;
    const connected = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('connect timeout')), timeoutMs);
      this.onConnect = (error) => {
        clearTimeout(timer);
        if (error) reject(error);
        else resolve();
      };
    });
    this.send(`${CONNECT}${JSON.stringify(this.options.auth)}`);
    this.pollForever();
    await connected;
    this.connected = true;
  }

  private send(packet: string): void {
    this.outbox.push(packet);
    if (!this.posting) this.flush();
  }

  private flush(): void {
    if (this.closed || this.outbox.length === 0) return;
    const body = this.outbox.join(SEPARATOR);
    this.outbox = [];
    this.posting = true;
    this.http('POST', body).then(
      () => {
        this.posting = false;
        this.flush();
      },
      (error: Error) => this.fail(error),
    );
  }

  private pollForever(): void {
    if (this.closed) return;
    this.http('GET').then(
      (payload) => {
        for (const packet of payload.split(SEPARATOR)) this.receive(packet);
        this.pollForever();
      },
      (error: Error) => this.fail(error),
    );
  }

  private receive(packet: string): void {
    if (packet.startsWith(EVENT)) {
      const [event, payload] = JSON.parse(packet.slice(EVENT.length)) as [string, unknown];
      this.handlers.get(event)?.(payload);
    } else if (packet.startsWith(ACK)) {
      const body = packet.slice(ACK.length);
      const bracket = body.indexOf('[');
      const answer = (JSON.parse(body.slice(bracket)) as unknown[])[0];
      const id = Number(body.slice(0, bracket));
      this.acks.get(id)?.(answer);
      this.acks.delete(id);
    } else if (packet === PING) {
      this.send(PONG);
    } else if (packet.startsWith(CONNECT)) {
      this.onConnect?.();
    } else if (packet.startsWith(CONNECT_ERROR)) {
      this.onConnect?.(new Error(`/chat refused: ${packet.slice(CONNECT_ERROR.length)}`));
    } else if (packet === CLOSE) {
      this.fail(new Error('closed by the server'));
    }
  }

  private fail(error: Error): void {
    if (this.closed) return;
    this.onConnect?.(error);
    this.connected = false;
    this.closed = true;
    this.closeConnections();
  }

  private closeConnections(): void {
    this.polls.close();
    this.pushes.close();
  }

  /** One engine.io HTTP request; resolves with the body of a 200 answer. */
  private async http(method: 'GET' | 'POST', body?: string): Promise<string> {
    const path = this.sid ? `${this.path}&sid=${this.sid}` : this.path;
    const answer = await (method === 'GET' ? this.polls : this.pushes).request(method, path, body);
    if (answer.status !== 200)
      throw new Error(`${method} answered ${answer.status}: ${answer.body.slice(0, 80)}`);
    return answer.body;
  }
}

/**
 * The loopback address of client `index`: 127.0.0.2 and up, so that an
 * address-hash balancer spreads the clients over the nodes as it would spread
 * users. (All of 127/8 reaches this machine on Linux.)
 */
export function loopbackSource(index: number): string {
  const n = index + 1;
  return `127.0.${Math.floor(n / 254)}.${(n % 254) + 1}`;
}
