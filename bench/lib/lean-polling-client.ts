import { CLOSE, LeanSocketIoClient, sidOfOpenPacket, type LeanClientOptions } from './lean-socketio.js';
import { RawHttpConnection } from './raw-http-connection.js';

/**
 * A lean socket.io client over engine.io v4 long-polling, for load generation:
 * hand-written HTTP over two keep-alive connections (RawHttpConnection), the
 * engine.io payload framing, and the few socket.io packets the chat uses
 * (lean-socketio.ts), nothing else (no reconnection, no upgrade, no binary).
 * socket.io-client spends most of a core near 3,000 deliveries/s in its
 * XMLHttpRequest emulation; this one a fraction.
 *
 * engine.io v4 polling: a GET returns the packets waiting for the session, a POST
 * carries the client's, each payload's packets separated by a record separator.
 * One GET and one POST at most in flight per session (engine.io refuses overlaps),
 * so packets queued while a POST is on its way go out together in the next.
 */

const SEPARATOR = '\x1e';

export class LeanPollingClient extends LeanSocketIoClient {
  private sid = '';
  /** The long-poll GETs on one connection, the POSTs on the other. */
  private readonly polls: RawHttpConnection;
  private readonly pushes: RawHttpConnection;
  private readonly path: string;
  private outbox: string[] = [];
  private posting = false;
  /** Long-poll answers received (after the handshake), and their bytes. */
  pollAnswers = 0;
  pollBytes = 0;

  private constructor(options: LeanClientOptions) {
    super(options);
    const url = new URL(options.url);
    const port = Number(url.port || 80);
    this.polls = new RawHttpConnection(url.hostname, port, options.localAddress);
    this.pushes = new RawHttpConnection(url.hostname, port, options.localAddress);
    this.path = `${url.pathname.replace(/\/$/, '')}/socket.io/?EIO=4&transport=polling`;
  }

  /** Handshakes, connects the /chat namespace and starts polling. */
  static async connect(options: LeanClientOptions): Promise<LeanPollingClient> {
    return LeanSocketIoClient.opened(new LeanPollingClient(options));
  }

  protected async open(): Promise<void> {
    this.sid = sidOfOpenPacket(await this.http('GET'));
    await this.connectNamespace(() => this.pollForever());
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
    } else this.closeTransport();
  }

  protected send(packet: string): void {
    this.outbox.push(packet);
    if (!this.posting) this.flush();
  }

  protected closeTransport(): void {
    this.polls.close();
    this.pushes.close();
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
        this.pollAnswers += 1;
        this.pollBytes += payload.length;
        for (const packet of payload.split(SEPARATOR)) this.receive(packet);
        this.pollForever();
      },
      (error: Error) => this.fail(error),
    );
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
