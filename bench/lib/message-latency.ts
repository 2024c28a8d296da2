import { Agent } from 'node:http';
import { connectChat, type ChatClient, type ClientOptions } from '../../test/harness/index.js';
import { progress, sleep } from './progress.js';
import { summarize, type LatencySummary } from './stats.js';

export type ClientTransport = 'polling' | 'websocket';

export interface MessageLatencyOptions {
  /** Clients in the room; each one receives every message, its own included. */
  clients: number;
  messagesPerSecond: number;
  durationMs: number;
  /** Messages sent and delivered before measuring, not counted. */
  warmupMessages: number;
  /** After the last send, how long to wait for deliveries still on the way. */
  drainMs: number;
}

export interface MessageLatencyResult {
  transport: ClientTransport;
  sent: number;
  expected: number;
  received: number;
  /** Expected deliveries that never arrived within the drain time. */
  lost: number;
  duplicates: number;
  latency: LatencySummary;
}

interface ChatMessage {
  room: string;
  user: string;
  message: string;
}

/**
 * Records, per receiver, the latency of each measured message (first copy only).
 * Messages carry `<tag>:<seq>:<send time>`; sender and receivers share this
 * process, so one monotonic clock serves both ends.
 */
class DeliveryLog {
  readonly latenciesMs: number[] = [];
  duplicates = 0;
  private readonly seen = new Map<ChatClient, Set<number>>();

  constructor(readonly tag: string) {}

  listen(client: ChatClient): void {
    const seen = new Set<number>();
    this.seen.set(client, seen);
    client.socket.on('chat message', (event: ChatMessage) => {
      const [tag, seq, sentAt] = event.message.split(':');
      if (tag !== this.tag) return;
      if (seen.has(Number(seq))) {
        this.duplicates += 1;
        return;
      }
      seen.add(Number(seq));
      this.latenciesMs.push(performance.now() - Number(sentAt));
    });
  }

  get received(): number {
    return this.latenciesMs.length;
  }
}

/** Scenario B: messages in one room through nginx, every client on one transport. */
export async function measureMessageLatency(
  baseUrl: string,
  transport: ClientTransport,
  options: MessageLatencyOptions,
): Promise<MessageLatencyResult> {
  const room = `bench-${transport}`;
  const agent = new Agent({ keepAlive: true });
  const clients = await connectRoom(baseUrl, clientOptions(transport, agent), room, options.clients);
  try {
    await warmUp(clients, room, options);
    const log = new DeliveryLog(`${transport}-measured`);
    for (const client of clients) log.listen(client);
    const sent = await sendAtFixedRate(clients, room, log, options);
    const expected = sent * clients.length;
    await waitForDeliveries(log, expected, options.drainMs);
    return {
      transport,
      sent,
      expected,
      received: log.received,
      lost: expected - log.received,
      duplicates: log.duplicates,
      latency: summarize(log.latenciesMs),
    };
  } finally {
    for (const client of clients) client.close();
    agent.destroy();
  }
}

async function connectRoom(
  baseUrl: string,
  options: ClientOptions,
  room: string,
  count: number,
): Promise<ChatClient[]> {
  progress(`scenario B: connecting ${count} clients to ${room} through nginx`);
  const clients: ChatClient[] = [];
  try {
    for (let i = 0; i < count; i++) {
      clients.push(await connectChat(baseUrl, `${room}-${i}`, options));
    }
    await Promise.all(clients.map((client) => client.join(room)));
  } catch (error) {
    for (const client of clients) client.close();
    throw error;
  }
  return clients;
}

/**
 * Polling clients reuse connections through `agent`, as browsers do: without one,
 * the Node XMLHttpRequest under socket.io-client opens a TCP connection per request.
 */
function clientOptions(transport: ClientTransport, agent: Agent): ClientOptions {
  if (transport === 'websocket') return { transports: ['websocket'] };
  // socket.io-client types `agent` for browsers (string | boolean); in Node it goes to http.request.
  return { transports: ['polling'], agent: agent as unknown as string };
}

/** A short burst at the measured rate, delivered in full before measuring starts. */
async function warmUp(clients: ChatClient[], room: string, options: MessageLatencyOptions): Promise<void> {
  const log = new DeliveryLog('warmup');
  for (const client of clients) log.listen(client);
  const sent = await sendAtFixedRate(clients, room, log, {
    ...options,
    durationMs: (options.warmupMessages * 1000) / options.messagesPerSecond,
  });
  await waitForDeliveries(log, sent * clients.length, options.drainMs);
}

/**
 * Sends on a fixed schedule (message n is due at start + n / rate), one sender at
 * a time, rotating through the clients; a late send does not shift later ones.
 */
async function sendAtFixedRate(
  clients: ChatClient[],
  room: string,
  log: DeliveryLog,
  options: Pick<MessageLatencyOptions, 'messagesPerSecond' | 'durationMs'>,
): Promise<number> {
  const total = Math.round((options.durationMs / 1000) * options.messagesPerSecond);
  const intervalMs = 1000 / options.messagesPerSecond;
  const reportEvery = Math.max(1, Math.round(options.messagesPerSecond * 2));
  const start = performance.now();
  for (let seq = 0; seq < total; seq++) {
    const wait = start + seq * intervalMs - performance.now();
    if (wait > 0) await sleep(wait);
    const sender = clients[seq % clients.length];
    sender.socket.emit('chat message', { room, message: `${log.tag}:${seq}:${performance.now()}` });
    if ((seq + 1) % reportEvery === 0 || seq + 1 === total) {
      progress(`scenario B: ${log.tag} sent ${seq + 1}/${total}, deliveries so far ${log.received}`);
    }
  }
  return total;
}

async function waitForDeliveries(log: DeliveryLog, expected: number, drainMs: number): Promise<void> {
  const deadline = performance.now() + drainMs;
  while (log.received < expected && performance.now() < deadline) await sleep(20);
}
