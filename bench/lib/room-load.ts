import { Agent } from 'node:http';
import { io } from 'socket.io-client';
import { nowMs } from './clock.js';
import { LeanPollingClient, loopbackSource } from './lean-polling-client.js';
import type { LeanClientOptions, LeanSocketIoClient } from './lean-socketio.js';
import { LeanWebSocketClient } from './lean-websocket-client.js';
import { sleep } from './progress.js';
import { startCpuMeter, type CpuUse } from './report.js';
import { summarize, type LatencySummary } from './stats.js';

/** How a client connects: one transport only, or socket.io's default (polling, then upgrade). */
export type TransportMode = 'websocket' | 'polling' | 'default';

export interface RoomGroupOptions {
  /** Base URL (nginx). */
  url: string;
  /** Room and user names start with this. */
  label: string;
  rooms: number;
  membersPerRoom: number;
  transport: TransportMode;
  /** Connection attempts in flight at once. @default 20 */
  connectConcurrency?: number;
  /** A client that has not connected and joined by then counts as failed. @default 10000 */
  connectTimeoutMs?: number;
  /**
   * WebSocket-only and polling-only clients: socket.io-client, or the lean client
   * of that transport, which generates load at a fraction of its CPU
   * (lean-websocket-client.ts, lean-polling-client.ts). `default` clients are
   * always socket.io-client's. @default 'socket.io'
   */
  client?: 'socket.io' | 'lean';
  /**
   * Each client's connections come from its own loopback address (127.0.0.2 and
   * up), so an address-hash balancer spreads them. @default false
   */
  spreadSources?: boolean;
}

/** What the sender and the members use of a client: socket.io-client's or the lean one. */
interface RoomClient {
  readonly connected: boolean;
  emit(event: string, payload: unknown): unknown;
  close(): unknown;
}

/** One member, the same client code for every system. */
interface Member {
  index: number;
  room: number;
  socket: RoomClient;
  /** Why its connection ended (a lean client's transport error, socket.io-client's disconnect reason). */
  broke?: () => string | undefined;
}

/** A message on its way: `<tag>|<seq>|<send time, nowMs()>` in the message text. */
interface Recorder {
  prefix: string;
  seen: Uint8Array[];
  latencies: Float64Array;
  received: number;
  duplicates: number;
  total: number;
}

export interface StepResult {
  /** Messages per second asked of the sender, all rooms together. */
  targetMessagesPerSec: number;
  /** targetMessagesPerSec × members per room: deliveries per second asked for. */
  targetDeliveriesPerSec: number;
  sent: number;
  /** Sends skipped because the sender was not connected (their deliveries count as lost). */
  sendsWhileDisconnected: number;
  expected: number;
  received: number;
  lost: number;
  duplicates: number;
  /** Refusals the servers sent back (`error` events), e.g. a rate limit. */
  refusals: number;
  /** Members connected when the step began and not when it ended: their deliveries stop. */
  clientsBroken: number;
  /** Why those connections ended, with how often each (the first 8 distinct reasons). */
  breakReasons: Record<string, number>;
  /** Time from the first to the last send, ms; above the planned duration when the sender fell behind. */
  sendWindowMs: number;
  plannedMs: number;
  /** Deliveries received per second of the send window. */
  deliveriesPerSec: number;
  latency: LatencySummary;
  cpu: CpuUse;
}

export interface ConnectOutcome {
  attempted: number;
  connected: number;
  failed: number;
  /** The first few distinct errors, with how often each occurred. */
  errors: Record<string, number>;
  durationMs: number;
}

/**
 * Clients in rooms through nginx, connected with socket.io-client as any user
 * would, and a sender that drives them at a fixed rate. Every member receives
 * every message of its room, its own included; each records receive − send.
 */
export class RoomGroup {
  readonly members: Member[] = [];
  readonly rooms: string[];
  readonly connect: ConnectOutcome;
  private recorder?: Recorder;
  private refusals = 0;
  private readonly agent?: Agent;

  private constructor(
    private readonly options: RoomGroupOptions,
    agent: Agent | undefined,
  ) {
    this.agent = agent;
    this.rooms = Array.from({ length: options.rooms }, (_, i) => `${options.label}-${i}`);
    this.connect = { attempted: 0, connected: 0, failed: 0, errors: {}, durationMs: 0 };
  }

  /** Connects and joins every member; failures are counted, not thrown. */
  static async open(options: RoomGroupOptions): Promise<RoomGroup> {
    // Polling clients keep their connections alive, as browsers do (see message-latency.ts).
    const shared = options.transport !== 'websocket' && !options.spreadSources;
    const agent = shared ? new Agent({ keepAlive: true }) : undefined;
    const group = new RoomGroup(options, agent);
    await group.connectAll();
    return group;
  }

  get connected(): number {
    return this.members.filter((member) => member.socket.connected).length;
  }

  private async connectAll(): Promise<void> {
    const { rooms, membersPerRoom, connectConcurrency = 20 } = this.options;
    const total = rooms * membersPerRoom;
    const started = nowMs();
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < total) {
        const index = next++;
        await this.connectOne(index, index % rooms);
      }
    };
    await Promise.all(Array.from({ length: Math.min(connectConcurrency, total) }, worker));
    // A session can connect and then die on its next request (a polling session
    // whose request reached another node): only those still connected count.
    await sleep(500);
    this.connect.attempted = total;
    for (const member of this.members) {
      if (!member.socket.connected) this.countError('disconnected after joining');
    }
    this.connect.connected = this.connected;
    this.connect.failed = total - this.connect.connected;
    this.connect.durationMs = Math.round(nowMs() - started);
  }

  private countError(message: string): void {
    tallyDistinct(this.connect.errors, message);
  }

  private async connectOne(index: number, room: number): Promise<void> {
    const { url, label, transport, connectTimeoutMs = 10_000 } = this.options;
    if (this.options.client === 'lean' && transport !== 'default') return this.connectLean(index, room);
    const localAddress = this.options.spreadSources ? loopbackSource(index) : undefined;
    const agent =
      this.agent ??
      (localAddress && transport !== 'websocket' ? new Agent({ keepAlive: true, localAddress }) : undefined);
    const socket = io(`${url}/chat`, {
      auth: { user: `${label}-u${index}` },
      transports: transport === 'default' ? ['polling', 'websocket'] : [transport],
      reconnection: false,
      forceNew: true,
      timeout: connectTimeoutMs,
      // socket.io-client types `agent` for browsers (string | boolean); in Node it goes to http.request.
      ...(agent ? { agent: agent as unknown as string } : {}),
      ...(localAddress && transport === 'websocket' ? { localAddress } : {}),
    });
    let disconnectReason: string | undefined;
    socket.on('disconnect', (reason) => {
      disconnectReason = reason;
      if (agent !== this.agent) agent?.destroy();
    });
    socket.on('chat message', (event: { message?: unknown }) => this.onMessage(index, event));
    socket.on('error', () => (this.refusals += 1));
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('connect timeout')), connectTimeoutMs);
        socket.once('connect', () => {
          clearTimeout(timer);
          resolve();
        });
        socket.once('connect_error', (error: Error) => {
          clearTimeout(timer);
          reject(error);
        });
      });
      const answer = (await socket
        .timeout(connectTimeoutMs)
        .emitWithAck('join room', { room: this.rooms[room] })) as { ok?: boolean; error?: string };
      if (!answer?.ok) throw new Error(`join refused: ${answer?.error}`);
      this.members.push({ index, room, socket, broke: () => disconnectReason });
    } catch (error) {
      this.countError(error instanceof Error ? error.message : String(error));
      socket.close();
    }
  }

  private async connectLean(index: number, room: number): Promise<void> {
    const { url, label, transport, connectTimeoutMs = 10_000 } = this.options;
    let client: LeanSocketIoClient | undefined;
    try {
      const options: LeanClientOptions = {
        url,
        auth: { user: `${label}-u${index}` },
        localAddress: this.options.spreadSources ? loopbackSource(index) : undefined,
        timeoutMs: connectTimeoutMs,
      };
      client = await (transport === 'websocket'
        ? LeanWebSocketClient.connect(options)
        : LeanPollingClient.connect(options));
      client.on('chat message', (event) => this.onMessage(index, event as { message?: unknown }));
      client.on('error', () => (this.refusals += 1));
      const answer = (await client.emitWithAck(
        'join room',
        { room: this.rooms[room] },
        connectTimeoutMs,
      )) as {
        ok?: boolean;
        error?: string;
      };
      if (!answer?.ok) throw new Error(`join refused: ${answer?.error}`);
      this.members.push({ index, room, socket: client, broke: () => client?.failure });
    } catch (error) {
      this.countError(error instanceof Error ? error.message : String(error));
      client?.close();
    }
  }

  private onMessage(member: number, event: { message?: unknown }): void {
    const recorder = this.recorder;
    const text = event?.message;
    if (!recorder || typeof text !== 'string' || !text.startsWith(recorder.prefix)) return;
    const at = nowMs();
    const bar = text.indexOf('|', recorder.prefix.length);
    const seq = Number(text.slice(recorder.prefix.length, bar));
    const sentAt = Number(text.slice(bar + 1));
    const seen = recorder.seen[member];
    if (!seen || !(seq >= 0 && seq < recorder.total)) return;
    if (seen[seq]) {
      recorder.duplicates += 1;
      return;
    }
    seen[seq] = 1;
    recorder.latencies[recorder.received++] = at - sentAt;
  }

  /**
   * Sends `messagesPerSec` (all rooms together) for `durationMs`, message n due at
   * start + n / rate: a late tick sends what is due at once, so a slow sender does
   * not lower the rate. Message n goes to room n mod rooms, from its members in turn.
   * Then waits up to `drainMs` for deliveries still on the way.
   */
  async run(
    tag: string,
    messagesPerSec: number,
    durationMs: number,
    drainMs: number,
    onProgress?: (line: string) => void,
  ): Promise<StepResult> {
    const byRoom: Member[][] = this.rooms.map(() => []);
    for (const member of this.members) byRoom[member.room].push(member);
    const sendingRooms = byRoom.map((members, room) => ({ room, members })).filter((r) => r.members.length);
    const total = Math.round((messagesPerSec * durationMs) / 1000);
    const recorder: Recorder = {
      prefix: `${tag}|`,
      seen: [],
      latencies: new Float64Array(total * this.options.membersPerRoom),
      received: 0,
      duplicates: 0,
      total,
    };
    for (const member of this.members) recorder.seen[member.index] = new Uint8Array(total);
    this.recorder = recorder;
    this.refusals = 0;
    const connectedAtStart = this.members.filter((member) => member.socket.connected);
    const cpu = startCpuMeter();
    let expected = 0;
    let skipped = 0;
    let seq = 0;
    const start = nowMs();
    let lastReport = start;
    if (sendingRooms.length > 0) {
      while (seq < total) {
        const due = Math.min(total, Math.floor(((nowMs() - start) * messagesPerSec) / 1000) + 1);
        for (; seq < due; seq++) {
          const { room, members } = sendingRooms[seq % sendingRooms.length];
          const sender = members[Math.floor(seq / sendingRooms.length) % members.length];
          expected += members.length;
          if (!sender.socket.connected) {
            skipped += 1;
            continue;
          }
          sender.socket.emit('chat message', {
            room: this.rooms[room],
            message: `${recorder.prefix}${seq}|${nowMs().toFixed(3)}`,
          });
        }
        if (onProgress && nowMs() - lastReport >= 2000) {
          lastReport = nowMs();
          onProgress(`sent ${seq}/${total}, deliveries ${recorder.received}/${expected}`);
        }
        if (seq < total) await sleep(1);
      }
    }
    const sendWindowMs = nowMs() - start;
    const deadline = nowMs() + drainMs;
    while (recorder.received < expected && nowMs() < deadline) await sleep(20);
    this.recorder = undefined;
    const cpuUse = cpu();
    const latencies = recorder.latencies.subarray(0, recorder.received);
    const broken = connectedAtStart.filter((member) => !member.socket.connected);
    return {
      targetMessagesPerSec: messagesPerSec,
      targetDeliveriesPerSec: messagesPerSec * this.options.membersPerRoom,
      sent: total - skipped,
      sendsWhileDisconnected: skipped,
      expected,
      received: recorder.received,
      lost: expected - recorder.received,
      duplicates: recorder.duplicates,
      refusals: this.refusals,
      clientsBroken: broken.length,
      breakReasons: broken.reduce<Record<string, number>>(
        (reasons, member) => tallyDistinct(reasons, member.broke?.() ?? 'unknown'),
        {},
      ),
      sendWindowMs: Math.round(sendWindowMs),
      plannedMs: durationMs,
      deliveriesPerSec: Math.round(recorder.received / (Math.max(sendWindowMs, durationMs) / 1000)),
      latency: summarize(Array.from(latencies)),
      cpu: cpuUse,
    };
  }

  close(): void {
    for (const member of this.members) member.socket.close();
    this.agent?.destroy();
  }
}

/** Counts `message` among the first 8 distinct ones (cut to 120 characters); later new ones are dropped. */
function tallyDistinct(counts: Record<string, number>, message: string): Record<string, number> {
  const key = message.slice(0, 120);
  if (key in counts || Object.keys(counts).length < 8) counts[key] = (counts[key] ?? 0) + 1;
  return counts;
}

/** The messages per second of a step, formatted for progress lines. */
export function describeRate(messagesPerSec: number, membersPerRoom: number): string {
  return `${messagesPerSec} msg/s × ${membersPerRoom} members = ${(messagesPerSec * membersPerRoom).toLocaleString('en-US')} deliveries/s`;
}
