import type { ManagerOptions, SocketOptions } from 'socket.io-client';
import { ChatClientCore, type ChatClientOptions } from './chat-client-core.js';
import { socketIoConnection, type ChatSocket, type SocketIoConnection } from './socket-io-connection.js';

export interface RingchatClientOptions extends ChatClientOptions {
  /** Anything else for socket.io's Manager and Socket. */
  io?: Partial<ManagerOptions & SocketOptions>;
}

/** The chat client the UI and the tests use: ChatClientCore over socket.io-client. */
export class RingchatClient extends ChatClientCore<SocketIoConnection> {
  constructor(options: RingchatClientOptions) {
    super(options, socketIoConnection(options.io));
  }

  /** The socket.io socket, for a look at the transport (or a test's hand on it). */
  get socket(): ChatSocket {
    return this.connection.socket;
  }
}
