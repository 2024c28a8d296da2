import { io, type ManagerOptions, type Socket, type SocketOptions } from 'socket.io-client';
import { nextEvent, waitFor } from './wait.js';

export interface SessionInfo {
  user: string;
  /** The stable identity: `g_…` for a guest, `u_<sub>` for a token user. */
  userId: string;
  guest: boolean;
  node: string;
  sid: string;
  /** Guest mode: present it as `auth.guest` to connect as the same guest again. */
  guestToken?: string;
  expiresAt?: number;
}

/** A /chat client that records every event it receives. */
export interface ChatClient {
  socket: Socket;
  user: string;
  /** The current session (updated on every reconnect). */
  session: SessionInfo;
  /** Every session this client has had, oldest first. */
  sessions: SessionInfo[];
  /** Reasons of every disconnect so far. */
  disconnects: string[];
  received: Array<{ event: string; payload: unknown }>;
  /** Payloads of `event` received so far. */
  events<T = Record<string, unknown>>(event: string): T[];
  /** Emits and waits for the ack. */
  request<T = unknown>(event: string, payload: unknown, timeoutMs?: number): Promise<T>;
  /** Joins a room, and joins it again after every reconnect. */
  join(room: string): Promise<void>;
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
  const sessions: SessionInfo[] = [];
  const disconnects: string[] = [];
  const rooms = new Set<string>();
  socket.onAny((event: string, payload: unknown) => received.push({ event, payload }));
  socket.on('disconnect', (reason) => disconnects.push(reason));
  socket.on('session', (session: SessionInfo) => {
    sessions.push(session);
    // Like a browser, a reconnect presents the guest token: the same guest, not a namesake.
    if (session.guestToken && typeof socket.auth === 'object') {
      socket.auth = { ...socket.auth, guest: session.guestToken };
    }
    // After a reconnect the new session has no rooms yet.
    if (sessions.length > 1) for (const room of rooms) socket.emit('join room', { room });
  });
  try {
    await Promise.race([
      waitFor('the session event', () => sessions.length > 0, 10_000),
      nextEvent<[Error]>(socket, 'connect_error', 10_000).then(([error]) => {
        throw error;
      }),
    ]);
  } catch (error) {
    socket.close();
    throw error;
  }
  const client: ChatClient = {
    socket,
    user,
    get session() {
      return sessions[sessions.length - 1];
    },
    sessions,
    disconnects,
    received,
    events: <T>(event: string) => received.filter((r) => r.event === event).map((r) => r.payload as T),
    request: <T>(event: string, payload: unknown, timeoutMs = 5000) =>
      socket.timeout(timeoutMs).emitWithAck(event, payload) as Promise<T>,
    join: async (room: string) => {
      rooms.add(room);
      const answer = await client.request<{ ok?: true; error?: string }>('join room', { room });
      if (!answer.ok) throw new Error(`join ${room} failed: ${answer.error}`);
    },
    close: () => socket.close(),
  };
  return client;
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
