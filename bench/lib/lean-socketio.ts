/**
 * The socket.io v5 packets of the /chat namespace the load generator's lean
 * clients use, above whichever engine.io v4 transport carries them (long-polling
 * in lean-polling-client.ts, WebSocket in lean-websocket-client.ts): connect,
 * events with and without an ack, acks, and engine.io's ping, pong and close.
 * Nothing else (no binary, no reconnection, no other namespace).
 */

const NAMESPACE = '/chat';
/** engine.io packet types (first character) and socket.io's, after engine.io's "message" (4). */
export const OPEN = '0';
export const CLOSE = '1';
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

/** The sid of an engine.io open packet (`0{"sid":…}`), or an error naming what came instead. */
export function sidOfOpenPacket(packet: string): string {
  if (!packet.startsWith(OPEN)) throw new Error(`handshake answered "${packet.slice(0, 80)}"`);
  return (JSON.parse(packet.slice(1)) as { sid: string }).sid;
}

/**
 * A socket.io client's side of the namespace: what `emit`, `emitWithAck` and `on`
 * need. The transport supplies `send` (one engine.io packet out), calls `receive`
 * with each packet that comes in and `fail` when it breaks.
 */
export abstract class LeanSocketIoClient {
  connected = false;
  /** Why the transport broke, once it has (the benchmark reports clients lost mid-run). */
  failure?: string;
  protected closed = false;
  private readonly handlers = new Map<string, Handler>();
  private readonly acks = new Map<number, (answer: unknown) => void>();
  private nextAckId = 1;
  private onConnect?: (error?: Error) => void;

  protected constructor(protected readonly options: LeanClientOptions) {}

  /** Runs `client`'s open (its handshake, then the namespace's connect); closes it if that fails. */
  protected static async opened<T extends LeanSocketIoClient>(client: T): Promise<T> {
    try {
      await client.open();
      return client;
    } catch (error) {
      client.close();
      throw error;
    }
  }

  /** The transport's handshake, then connectNamespace. */
  protected abstract open(): Promise<void>;

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

  abstract close(): void;

  /** One engine.io packet to the server. */
  protected abstract send(packet: string): void;

  /** The transport broke: this client is done. */
  protected fail(error: Error): void {
    if (this.closed) return;
    this.failure = error.message;
    this.onConnect?.(error);
    this.connected = false;
    this.closed = true;
    this.closeTransport();
  }

  protected abstract closeTransport(): void;

  /**
   * Connects the /chat namespace, once the transport has its session; `start`
   * begins receiving (a polling client's first GET) after the connect packet is queued.
   */
  protected async connectNamespace(start?: () => void): Promise<void> {
    const { timeoutMs = 10_000 } = this.options;
    const connected = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('connect timeout')), timeoutMs);
      this.onConnect = (error) => {
        clearTimeout(timer);
        this.onConnect = undefined;
        if (error) reject(error);
        else resolve();
      };
    });
    this.send(`${CONNECT}${JSON.stringify(this.options.auth)}`);
    start?.();
    await connected;
    this.connected = true;
  }

  /** One engine.io packet from the server. */
  protected receive(packet: string): void {
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
}
