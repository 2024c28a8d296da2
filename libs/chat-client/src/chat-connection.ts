import type {
  AnswerOf,
  ChatAuth,
  ClientEventName,
  RequestOf,
  ServerToClientEvents,
} from '@app/chat-protocol';

/** The connection's own events, next to the server's. */
export interface ConnectionEvents extends ServerToClientEvents {
  connect: () => void;
  disconnect: () => void;
  /** A (re)connect failed; a refused handshake carries the refusal's code as `data`. */
  connect_error: (error: Error) => void;
}

/** The arguments of each connection event. */
export type ConnectionEventArgs = { [E in keyof ConnectionEvents]: Parameters<ConnectionEvents[E]> };

/**
 * What ChatClientCore needs of its socket: socket.io's (see
 * SocketIoConnection), or an in-process fake in a spec.
 */
export interface ChatConnection {
  readonly connected: boolean;
  /** Reconnects by itself after a disconnect; false once closed or refused for good. */
  readonly active: boolean;
  on<E extends keyof ConnectionEvents>(event: E, listener: (...args: ConnectionEventArgs[E]) => void): void;
  /** Sends a client event; resolves with the server's answer, rejects after `timeoutMs` without one. */
  request<E extends ClientEventName>(
    event: E,
    payload: RequestOf<E>,
    timeoutMs: number,
  ): Promise<AnswerOf<E>>;
  close(): void;
}

export interface ConnectionOptions {
  transports: Array<'polling' | 'websocket'>;
  /** Called on every (re)connect: the handshake's auth (a token may take a moment to get). */
  auth: () => ChatAuth | Promise<ChatAuth>;
}
