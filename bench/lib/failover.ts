import type { RingchatClient } from '@app/chat-client';
import { io, type Socket } from 'socket.io-client';
import { connectRingchat } from '../../test/harness/index.js';
import { nowMs } from './clock.js';
import { progress, sleep } from './progress.js';
import type { BenchSystem } from './systems.js';

export interface FailoverOptions {
  rooms: number;
  membersPerRoom: number;
  messagesPerSec: number;
  /** Load before the crash, ms. */
  beforeKillMs: number;
  /** Load after the crash at least this long, ms ... */
  afterKillMinMs: number;
  /** ... and at most this long, waiting for every client to recover. */
  afterKillMaxMs: number;
  /** After the last send: time for deliveries, acks and resumes to finish, ms. */
  drainMs: number;
}

export interface FailoverResult {
  clients: number;
  killedNode: string;
  /** Clients whose connection broke after the crash (those on the killed node). */
  disconnected: number;
  /** Crash → the last of them connected again, ms. */
  reconnectMs: number | null;
  /**
   * Crash → the last of them chatting again: connected, back in its room, and
   * its own message sent after the reconnect delivered back to it, ms. Null
   * when some never got there (see `unrecovered`).
   */
  recoveryMs: number | null;
  unrecovered: number;
  /** Messages the load sent (ringchat: send() calls, retried by the client helper until acknowledged). */
  sent: number;
  /** ringchat only: messages acknowledged with an id (stored). */
  acked?: number;
  /** ringchat only: sends still unacknowledged at the end. */
  unacked?: number;
  /** sent × members of the room. */
  expectedDeliveries: number;
  /** Distinct (message, member) pairs that arrived, live or by a resume. */
  received: number;
  lostDeliveries: number;
  /** ringchat only: acknowledged messages missing at a member of their room at the end. */
  ackedLost?: number;
  /** Messages that reached nobody at all. */
  messagesLostEverywhere: number;
}

/** What the scenario needs of one client, whichever system it talks to. */
interface Member {
  index: number;
  room: string;
  connected(): boolean;
  /** Sends a load message (seq) or a probe. */
  send(text: string, seq?: number): void;
  /** Load messages (seqs) this member has, at the end. */
  receivedSeqs(): Set<number>;
  close(): void;
  disconnectedAt?: number;
  reconnectedAt?: number;
  recoveredAt?: number;
  probe?: string;
}

const LOAD_PREFIX = 'fo|';

function parseSeq(text: unknown): number | undefined {
  if (typeof text !== 'string' || !text.startsWith(LOAD_PREFIX)) return undefined;
  return Number(text.slice(LOAD_PREFIX.length, text.indexOf('|', LOAD_PREFIX.length)));
}

interface Ledger {
  killedAt?: number;
  acked: Set<number>;
  failed: number;
  pending: number;
}

/** Scenario "failover": a node is killed (SIGKILL) under load. */
export async function runFailover(system: BenchSystem, options: FailoverOptions): Promise<FailoverResult> {
  const rooms = Array.from({ length: options.rooms }, (_, i) => `failover-${i}`);
  const ledger: Ledger = { acked: new Set(), failed: 0, pending: 0 };
  const total = options.rooms * options.membersPerRoom;
  progress(`${system.name} failover: connecting ${total} WebSocket clients in ${options.rooms} rooms`);
  const members: Member[] = [];
  try {
    for (let i = 0; i < total; i++) {
      const room = rooms[i % options.rooms];
      members.push(
        system.name === 'ringchat'
          ? await ringchatMember(system.url, i, room, ledger)
          : await peerMember(system.url, i, room, ledger),
      );
    }
    const victim = system.nodes[1] ?? system.nodes[0];
    const byRoom = rooms.map((room) => members.filter((m) => m.room === room));
    let seq = 0;
    const sendDue = (start: number): void => {
      const due = Math.floor(((nowMs() - start) * options.messagesPerSec) / 1000) + 1;
      for (; seq < due; seq++) {
        const roomMembers = byRoom[seq % rooms.length];
        const sender = roomMembers[Math.floor(seq / rooms.length) % roomMembers.length];
        sender.send(`${LOAD_PREFIX}${seq}|${nowMs().toFixed(3)}`, seq);
      }
    };
    const start = nowMs();
    progress(
      `${system.name} failover: ${options.messagesPerSec} msg/s; killing ${victim.id} in ${options.beforeKillMs} ms`,
    );
    while (nowMs() - start < options.beforeKillMs) {
      sendDue(start);
      await sleep(2);
    }
    ledger.killedAt = nowMs();
    victim.crash();
    progress(`${system.name} failover: ${victim.id} killed (SIGKILL)`);
    const killedAt = ledger.killedAt;
    let lastReport = killedAt;
    for (;;) {
      sendDue(start);
      const since = nowMs() - killedAt;
      const waiting = members.filter((m) => m.disconnectedAt !== undefined && m.recoveredAt === undefined);
      if (since >= options.afterKillMaxMs) break;
      if (since >= options.afterKillMinMs && waiting.length === 0) break;
      if (nowMs() - lastReport >= 2000) {
        lastReport = nowMs();
        const broken = members.filter((m) => m.disconnectedAt !== undefined).length;
        progress(
          `${system.name} failover: ${Math.round(since)} ms after the crash, ${broken - waiting.length}/${broken} recovered`,
        );
      }
      await sleep(2);
    }
    const sent = seq;
    progress(`${system.name} failover: load stopped after ${sent} messages; draining`);
    const drainUntil = nowMs() + options.drainMs;
    const expectedTotal = sent * options.membersPerRoom;
    while (nowMs() < drainUntil) {
      const have = members.reduce((sum, m) => sum + m.receivedSeqs().size, 0);
      if (have >= expectedTotal && ledger.pending === 0) break;
      await sleep(200);
    }
    return summarize(system, victim.id, members, ledger, sent, options.membersPerRoom);
  } finally {
    for (const member of members) member.close();
  }
}

function summarize(
  system: BenchSystem,
  killedNode: string,
  members: Member[],
  ledger: Ledger,
  sent: number,
  membersPerRoom: number,
): FailoverResult {
  const killedAt = ledger.killedAt ?? 0;
  const broken = members.filter((m) => m.disconnectedAt !== undefined);
  const unrecovered = broken.filter((m) => m.recoveredAt === undefined).length;
  const latest = (pick: (m: Member) => number | undefined): number | null => {
    if (broken.length === 0) return 0;
    const times = broken.map(pick);
    if (times.some((t) => t === undefined)) return null;
    return Math.round(Math.max(...(times as number[])) - killedAt);
  };
  let received = 0;
  let ackedLost = 0;
  const reached = new Uint8Array(sent);
  for (const member of members) {
    const seqs = member.receivedSeqs();
    received += seqs.size;
    for (const s of seqs) if (s < sent) reached[s] = 1;
  }
  if (system.name === 'ringchat') {
    for (const member of members) {
      const seqs = member.receivedSeqs();
      for (const s of ledger.acked) {
        if (member.room === roomOfSeq(s, members, membersPerRoom) && !seqs.has(s)) ackedLost += 1;
      }
    }
  }
  const expectedDeliveries = sent * membersPerRoom;
  return {
    clients: members.length,
    killedNode,
    disconnected: broken.length,
    reconnectMs: latest((m) => m.reconnectedAt),
    recoveryMs: latest((m) => m.recoveredAt),
    unrecovered,
    sent,
    ...(system.name === 'ringchat' ? { acked: ledger.acked.size, unacked: ledger.pending, ackedLost } : {}),
    expectedDeliveries,
    received,
    lostDeliveries: expectedDeliveries - received,
    messagesLostEverywhere: reached.reduce((n, r) => n + (r ? 0 : 1), 0),
  };
}

/** Message seq goes to room seq mod rooms (see the sender above). */
function roomOfSeq(seq: number, members: Member[], membersPerRoom: number): string {
  const rooms = members.length / membersPerRoom;
  return members[seq % rooms].room;
}

function markDisconnect(member: Member, ledger: Ledger): void {
  if (ledger.killedAt !== undefined && member.disconnectedAt === undefined) member.disconnectedAt = nowMs();
}

/** A ringchat client through the project's helper: resume after reconnect, resend until acked. */
async function ringchatMember(url: string, index: number, room: string, ledger: Ledger): Promise<Member> {
  const client: RingchatClient = await connectRingchat(url, `fo-u${index}`, {
    transports: ['websocket'],
    ackTimeoutMs: 2000,
  });
  await client.join(room);
  const member: Member = {
    index,
    room,
    connected: () => client.status === 'connected',
    send: (text, seq) => {
      if (seq === undefined) {
        client.send(room, text).catch(() => undefined);
        return;
      }
      ledger.pending += 1;
      client.send(room, text).then(
        () => {
          ledger.pending -= 1;
          ledger.acked.add(seq);
        },
        () => {
          ledger.pending -= 1;
          ledger.failed += 1;
        },
      );
    },
    receivedSeqs: () => {
      const seqs = new Set<number>();
      for (const message of client.rooms.get(room)?.messages ?? []) {
        const seq = parseSeq(message.message);
        if (seq !== undefined) seqs.add(seq);
      }
      return seqs;
    },
    close: () => client.close(),
  };
  const checkProbe = (text: string): void => {
    if (member.probe !== undefined && text === member.probe && member.recoveredAt === undefined) {
      member.recoveredAt = nowMs();
    }
  };
  client.on('status', (status) => {
    if (status === 'reconnecting' || status === 'offline') markDisconnect(member, ledger);
    if (status === 'connected' && member.disconnectedAt !== undefined && member.reconnectedAt === undefined) {
      member.reconnectedAt = nowMs();
      member.probe = `probe|${index}|${Date.now()}`;
      member.send(member.probe);
    }
  });
  client.on('message', (message) => checkProbe(message.message));
  // A message stored while the resume was reading history arrives in the replay instead.
  client.on('history', (event) => {
    for (const message of event.messages) checkProbe(message.message);
  });
  return member;
}

/** A plain socket.io client with reconnection; it joins its room again on every connect. */
async function peerMember(url: string, index: number, room: string, ledger: Ledger): Promise<Member> {
  const socket: Socket = io(`${url}/chat`, {
    auth: { user: `fo-u${index}` },
    transports: ['websocket'],
    forceNew: true,
    reconnectionDelay: 200,
    reconnectionDelayMax: 1000,
    timeout: 5000,
  });
  const seqs = new Set<number>();
  const member: Member = {
    index,
    room,
    connected: () => socket.connected,
    // While disconnected socket.io-client buffers the emit and sends it on reconnect.
    send: (text) => void socket.emit('chat message', { room, message: text }),
    receivedSeqs: () => seqs,
    close: () => socket.close(),
  };
  socket.on('chat message', (event: { message?: unknown }) => {
    const seq = parseSeq(event.message);
    if (seq !== undefined) seqs.add(seq);
    else if (
      member.probe !== undefined &&
      event.message === member.probe &&
      member.recoveredAt === undefined
    ) {
      member.recoveredAt = nowMs();
    }
  });
  socket.on('disconnect', () => markDisconnect(member, ledger));
  let connects = 0;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`fo-u${index}: connect timeout`)), 10_000);
    socket.on('connect', () => {
      connects += 1;
      if (connects === 1) {
        clearTimeout(timer);
        resolve();
        return;
      }
      // A new session has no rooms yet: join again first (events keep their order).
      socket.emit('join room', { room });
      if (member.disconnectedAt !== undefined && member.reconnectedAt === undefined) {
        member.reconnectedAt = nowMs();
        member.probe = `probe|${index}|${Date.now()}`;
        member.send(member.probe);
      }
    });
  });
  await socket.timeout(5000).emitWithAck('join room', { room });
  return member;
}
