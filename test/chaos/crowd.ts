import type { RingchatClient } from '@app/chat-client';
import { connectRingchat } from '../harness/ringchat.js';
import { waitFor } from '../harness/wait.js';
import type { SeededRandom } from './random.js';

export type Transport = 'websocket' | 'polling' | 'default';

const TRANSPORTS: Record<Transport, Array<'polling' | 'websocket'>> = {
  websocket: ['websocket'],
  polling: ['polling'],
  default: ['polling', 'websocket'],
};

/** One message a client typed, and what became of it. */
export interface SendRecord {
  room: string;
  clientMsgId: string;
  sentAt: number;
  /** The stored id, once acknowledged. */
  id?: string;
  /** Why the client gave up on it. */
  error?: string;
}

/** A chat client of the crowd and everything the checks need to know about it. */
export interface CrowdMember {
  name: string;
  transport: Transport;
  client: RingchatClient;
  rooms: string[];
  /** Per room, when its join was acknowledged (ms, this machine's clock, as Redis's ids). */
  joinedAt: Map<string, number>;
  /**
   * Live `chat message` pushes per room and message id ("room\nid": stream ids
   * are unique within a room only). Replays after a reconnect come as history.
   */
  livePushes: Map<string, number>;
  sends: SendRecord[];
  /** Sessions so far (1 + reconnects). */
  sessions: number;
}

export interface CrowdOptions {
  clients: number;
  rooms: string[];
  roomsPerClient: number;
  sendEveryMs: [number, number];
}

/**
 * The chatting clients: RingchatClients (the project's helper, which resumes
 * each room from its last id after a reconnect and resends unacked messages),
 * a third on each transport, each in a few rooms, each typing now and then.
 */
export class Crowd {
  readonly members: CrowdMember[] = [];
  private readonly timers = new Set<ReturnType<typeof setTimeout>>();
  private chatting = false;

  constructor(
    private readonly options: CrowdOptions,
    private readonly random: SeededRandom,
  ) {}

  /** Connects and joins everyone, ten at a time. */
  async connect(url: string): Promise<void> {
    const kinds: Transport[] = ['websocket', 'polling', 'default'];
    const plans = Array.from({ length: this.options.clients }, (_, i) => ({
      name: `c${i}-${kinds[i % 3]}`,
      transport: kinds[i % 3],
      rooms: this.random.sample(this.options.rooms, this.options.roomsPerClient).sort(),
    }));
    for (let i = 0; i < plans.length; i += 10) {
      await Promise.all(plans.slice(i, i + 10).map((plan) => this.connectOne(url, plan)));
    }
  }

  private async connectOne(
    url: string,
    plan: Pick<CrowdMember, 'name' | 'transport' | 'rooms'>,
  ): Promise<void> {
    const client = await connectRingchat(url, plan.name, { transports: TRANSPORTS[plan.transport] });
    const member: CrowdMember = {
      ...plan,
      client,
      joinedAt: new Map(),
      livePushes: new Map(),
      sends: [],
      sessions: 1,
    };
    this.members.push(member);
    client.on('session', () => (member.sessions += 1));
    client.socket.on('chat message', (message) => {
      const key = `${message.room}\n${message.id}`;
      member.livePushes.set(key, (member.livePushes.get(key) ?? 0) + 1);
    });
    for (const room of plan.rooms) {
      await client.join(room);
      member.joinedAt.set(room, Date.now());
    }
  }

  /** Everyone types a message every few seconds until stop(). */
  startChatting(): void {
    this.chatting = true;
    for (const member of this.members) this.scheduleNext(member);
  }

  stopChatting(): void {
    this.chatting = false;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  private scheduleNext(member: CrowdMember): void {
    const [min, max] = this.options.sendEveryMs;
    const timer = setTimeout(
      () => {
        this.timers.delete(timer);
        if (!this.chatting) return;
        this.send(member, member.rooms[Math.floor(Math.random() * member.rooms.length)]);
        this.scheduleNext(member);
      },
      min + Math.random() * (max - min),
    );
    this.timers.add(timer);
  }

  /** Sends one message and records what becomes of it. */
  send(member: CrowdMember, room: string, text?: string): SendRecord {
    const record: SendRecord = { room, clientMsgId: globalThis.crypto.randomUUID(), sentAt: Date.now() };
    member.sends.push(record);
    const message = text ?? `${member.name} #${member.sends.length}`;
    member.client.send(room, message, record.clientMsgId).then(
      (id) => (record.id = id),
      (error: Error) => (record.error = error.message),
    );
    return record;
  }

  /** Members connected now (their socket is up). */
  connected(): CrowdMember[] {
    return this.members.filter((m) => m.client.status === 'connected' && m.client.socket.connected);
  }

  inRoom(room: string): CrowdMember[] {
    return this.members.filter((m) => m.rooms.includes(room));
  }

  /** Sends still waiting for their ack. */
  unacked(): SendRecord[] {
    return this.members.flatMap((m) => m.sends.filter((s) => s.id === undefined && s.error === undefined));
  }

  /**
   * A probe in `room`: one connected member sends it; resolves once every
   * member of the room has it (the helper's resume brings it to those that
   * reconnect meanwhile). Throws after `timeoutMs`.
   */
  async probe(room: string, timeoutMs: number): Promise<void> {
    const sender = this.inRoom(room).find((m) => this.connected().includes(m));
    if (!sender) throw new Error(`no connected member in ${room}`);
    const record = this.send(sender, room, `probe from ${sender.name}`);
    await waitFor(
      `the probe in ${room} to reach every member`,
      () => {
        if (record.error) throw new Error(record.error);
        const id = record.id;
        return (
          id !== undefined &&
          this.inRoom(room).every((m) => m.client.rooms.get(room)?.messages.some((msg) => msg.id === id))
        );
      },
      timeoutMs,
      100,
    );
  }

  close(): void {
    this.stopChatting();
    for (const member of this.members) member.client.close();
  }
}
