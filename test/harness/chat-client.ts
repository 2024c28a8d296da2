import {
  io,
  type ManagerOptions,
  type Socket,
  type SocketOptions,
} from 'socket.io-client';
import { nextEvent, waitFor } from './wait.js';

export interface SessionInfo {
  user: string;
  node: string;
  sid: string;
}

/** A /chat client that records every event it receives. */
export interface ChatClient {
  socket: Socket;
  user: string;
  session: SessionInfo;
  received: Array<{ event: string; payload: unknown }>;
  /** Payloads of `event` received so far. */
  events<T = Record<string, unknown>>(event: string): T[];
  /** Emits and waits for the ack. */
  request<T = unknown>(
    event: string,
    payload: unknown,
    timeoutMs?: number,
  ): Promise<T>;
  close(): void;
}

export type ClientOptions = Partial<ManagerOptions & SocketOptions>;

/** Connects to `${baseUrl}/chat` as `user` and waits for the session event. */
export async function connectChat(
  baseUrl: string,
  user: string,
  options: ClientOptions = {},
): Promise<ChatClient> {
  const socket = io(`${baseUrl}/chat`, {
    auth: { user },
    reconnection: false,
    timeout: 5000,
    ...options,
  });
  const received: ChatClient['received'] = [];
  socket.onAny((event: string, payload: unknown) =>
    received.push({ event, payload }),
  );
  let session: SessionInfo;
  try {
    [session] = await Promise.race([
      nextEvent<[SessionInfo]>(socket, 'session', 10_000),
      nextEvent<[Error]>(socket, 'connect_error', 10_000).then(([error]) => {
        throw error;
      }),
    ]);
  } catch (error) {
    socket.close();
    throw error;
  }
  return {
    socket,
    user,
    session,
    received,
    events: <T>(event: string) =>
      received.filter((r) => r.event === event).map((r) => r.payload as T),
    request: <T>(event: string, payload: unknown, timeoutMs = 5000) =>
      socket.timeout(timeoutMs).emitWithAck(event, payload) as Promise<T>,
    close: () => socket.close(),
  };
}

/** Waits until `client` has received `count` payloads of `event`. */
export async function waitForEvents<T = Record<string, unknown>>(
  client: ChatClient,
  event: string,
  count: number,
  timeoutMs = 10_000,
): Promise<T[]> {
  await waitFor(
    `${client.user} to receive ${count} "${event}"`,
    () => client.events(event).length >= count,
    timeoutMs,
  );
  return client.events<T>(event);
}
