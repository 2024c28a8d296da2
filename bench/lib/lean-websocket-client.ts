import WebSocket from 'ws';
import { LeanSocketIoClient, sidOfOpenPacket, type LeanClientOptions } from './lean-socketio.js';

/**
 * A lean socket.io client over an engine.io v4 WebSocket, for load generation:
 * a raw `ws` connection, one engine.io packet per text frame, and the few
 * socket.io packets the chat uses (lean-socketio.ts). No upgrade (it starts on
 * WebSocket, as socket.io-client does with `transports: ['websocket']`), no
 * reconnection, no binary, no per-message deflate (socket.io's servers have it
 * off by default). socket.io-client's event emitters, parser and timers per
 * packet took about 60 % of a core near 30,000 deliveries/s; this one less.
 */
export class LeanWebSocketClient extends LeanSocketIoClient {
  private readonly socket: WebSocket;

  private constructor(options: LeanClientOptions) {
    super(options);
    const url = new URL(options.url);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    url.pathname = `${url.pathname.replace(/\/$/, '')}/socket.io/`;
    url.search = '?EIO=4&transport=websocket';
    this.socket = new WebSocket(url, {
      perMessageDeflate: false,
      // The servers are ours and send JSON text: no need to validate every frame's UTF-8.
      skipUTF8Validation: true,
      localAddress: options.localAddress,
      handshakeTimeout: options.timeoutMs ?? 10_000,
    });
  }

  /** Opens the WebSocket, waits for engine.io's open packet and connects the /chat namespace. */
  static async connect(options: LeanClientOptions): Promise<LeanWebSocketClient> {
    return LeanSocketIoClient.opened(new LeanWebSocketClient(options));
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.connected = false;
    this.closeTransport();
  }

  protected send(packet: string): void {
    if (this.socket.readyState === WebSocket.OPEN) this.socket.send(packet);
  }

  protected closeTransport(): void {
    // A close frame tells the server at once; terminate() if it never opened.
    if (this.socket.readyState === WebSocket.OPEN) this.socket.close();
    else this.socket.terminate();
  }

  protected async open(): Promise<void> {
    const { timeoutMs = 10_000 } = this.options;
    const socket = this.socket;
    const opened = new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('handshake timeout')), timeoutMs);
      socket.once('message', (data: WebSocket.RawData) => {
        clearTimeout(timer);
        resolve(text(data));
      });
      socket.once('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
      socket.once('close', (code) => {
        clearTimeout(timer);
        reject(new Error(`closed before the handshake (${code})`));
      });
    });
    sidOfOpenPacket(await opened);
    socket.on('message', (data: WebSocket.RawData) => this.receive(text(data)));
    socket.on('error', (error) => this.fail(error));
    socket.on('close', () => this.fail(new Error('connection closed')));
    await this.connectNamespace();
  }
}

/** A text frame's string (binaryType "nodebuffer": one Buffer per frame). */
function text(data: WebSocket.RawData): string {
  return (data as Buffer).toString();
}
