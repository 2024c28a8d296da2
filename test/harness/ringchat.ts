import { RingchatClient, type RingchatClientOptions } from '@app/chat-client';
import { waitFor } from './wait.js';

/** A RingchatClient (the project's own helper) that is connected, with reconnection fast for tests. */
export async function connectRingchat(
  url: string,
  user: string,
  options: Partial<RingchatClientOptions> = {},
): Promise<RingchatClient> {
  const client = new RingchatClient({
    url,
    user,
    ackTimeoutMs: 2000,
    ...options,
    io: { reconnectionDelay: 200, reconnectionDelayMax: 1000, timeout: 5000, ...options.io },
  });
  try {
    await waitFor(`${user} to connect`, () => client.status === 'connected' && client.session, 10_000);
  } catch (error) {
    client.close();
    throw error;
  }
  return client;
}

/** Ids of a room's messages as the client holds them. */
export function idsIn(client: RingchatClient, room: string): string[] {
  return client.rooms.get(room)?.messages.map((m) => m.id) ?? [];
}

/** The acknowledged ids that the client does not hold in `room`. */
export function missingFrom(client: RingchatClient, room: string, acked: string[]): string[] {
  const held = new Set(idsIn(client, room));
  return acked.filter((id) => !held.has(id));
}

/** Reconnects a client that was cut off (reconnection off) until nginx puts it on a node other than `node`. */
export async function reconnectAwayFrom(client: RingchatClient, node: string): Promise<void> {
  for (let attempt = 0; attempt < 10; attempt++) {
    client.socket.connect();
    await waitFor(
      `${client.user} to reconnect`,
      () => client.status === 'connected' && client.session && client.socket.id,
    );
    if (client.session!.node !== node) return;
    client.socket.disconnect();
    await waitFor(`${client.user} to disconnect`, () => client.status !== 'connected');
  }
}
