import {
  CHAT_NAMESPACE,
  type AnswerOf,
  type ClientEventName,
  type ClientToServerEvents,
  type RequestOf,
  type ServerToClientEvents,
} from '@app/chat-protocol';
import { io, type ManagerOptions, type Socket, type SocketOptions } from 'socket.io-client';
import type {
  ChatConnection,
  ConnectionEventArgs,
  ConnectionEvents,
  ConnectionOptions,
} from './chat-connection.js';

export type ChatSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/** A ChatConnection over socket.io-client: the one browsers and tests use. */
export class SocketIoConnection implements ChatConnection {
  constructor(readonly socket: ChatSocket) {}

  get connected(): boolean {
    return this.socket.connected;
  }

  get active(): boolean {
    return this.socket.active;
  }

  on<E extends keyof ConnectionEvents>(event: E, listener: (...args: ConnectionEventArgs[E]) => void): void {
    const name: string = event;
    this.untyped.on(name, listener);
  }

  async request<E extends ClientEventName>(
    event: E,
    payload: RequestOf<E>,
    timeoutMs: number,
  ): Promise<AnswerOf<E>> {
    return this.untyped.timeout(timeoutMs).emitWithAck(event, payload);
  }

  /**
   * The same socket seen without its event maps. socket.io's conditional types
   * cannot follow a generic event name; the signatures of `on` and `request`
   * state the same contract, taken from the protocol's maps.
   */
  private get untyped(): Socket {
    return this.socket;
  }

  close(): void {
    this.socket.close();
  }
}

/** Opens SocketIoConnections to a cluster's `/chat`; `extra` goes to socket.io's Manager and Socket. */
export function socketIoConnection(
  extra: Partial<ManagerOptions & SocketOptions> = {},
): (url: string, options: ConnectionOptions) => SocketIoConnection {
  return (url, { transports, auth }) => {
    const socket: ChatSocket = io(`${url}${CHAT_NAMESPACE}`, {
      transports,
      // A failed token fetch still sends the rest: the server's refusal then says why.
      auth: (send) => {
        void Promise.resolve()
          .then(auth)
          .then(send, () => send({}));
      },
      ...extra,
    });
    return new SocketIoConnection(socket);
  };
}
