import { Redis } from 'ioredis';
import { ChaosCluster } from './chaos-cluster.js';
import type { ChaosOptions } from './chaos-options.js';
import { Crowd, type CrowdMember } from './crowd.js';
import type { FaultKind } from './fault-kinds.js';
import { faultSchedule, injectFault } from './faults.js';
import { nodePresence, redisPresence } from './presence-views.js';
import { SeededRandom } from './random.js';
import { livePresence, waitForChat, waitForPresence } from './recovery.js';
import {
  checkDelivery,
  checkPresence,
  judge,
  type ChatEvidence,
  type ClientRecord,
  type DeliveryFindings,
  type PresenceFindings,
  type StoredEntry,
  type StuckFindings,
  type Verdict,
} from './verdict.js';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** One injected fault and how long the cluster took to be whole again. */
export interface FaultRecord {
  kind: FaultKind;
  detail: string;
  /** s since the fault phase began. */
  atS: number;
  /** From the fault's start until it was lifted (node back, continued, Redis back, leave done). */
  faultMs?: number;
  /** From the fault being lifted until every client was connected and a probe in every room reached all members. */
  recoveredMs?: number;
  /** From the fault being lifted until Redis's presence was exactly the live connections. */
  presenceHealedMs?: number;
  /** What did not recover within the time allowed. */
  problems: string[];
}

export interface ChaosResult {
  runId: string;
  seed: number;
  options: ChaosOptions;
  startedAt: string;
  durationS: number;
  faults: FaultRecord[];
  clients: { total: number; connectedAtEnd: number; reconnects: number; byTransport: Record<string, number> };
  delivery: DeliveryFindings;
  presence: PresenceFindings;
  stuck: StuckFindings;
  verdict: Verdict;
}

/**
 * One chaos run: a cluster, a crowd of chatting clients, faults one at a
 * time, then the checks. `stop()` (from a signal or a deadline) tears
 * everything down at any point; it is also what `run()` ends with.
 */
export class ChaosRun {
  private cluster?: ChaosCluster;
  private crowd?: Crowd;
  private stopping?: Promise<void>;
  readonly rooms: string[];
  private readonly random: SeededRandom;

  constructor(
    readonly options: ChaosOptions,
    private readonly log: (message: string) => void,
  ) {
    this.rooms = Array.from({ length: options.rooms }, (_, i) => `room${i}`);
    this.random = new SeededRandom(options.seed);
  }

  /** Output of every process the run started (for the result folder). */
  get logs(): Array<{ name: string; lines: string[] }> {
    return this.cluster?.logs ?? [];
  }

  async run(runId: string): Promise<ChaosResult> {
    const started = new Date();
    const { options } = this;
    try {
      this.log(`seed ${options.seed}: starting redis-server, 3 nodes and nginx`);
      const cluster = (this.cluster = await ChaosCluster.start(3, nodeEnvOf(options)));
      const crowd = (this.crowd = new Crowd(
        {
          clients: options.clients,
          rooms: this.rooms,
          roomsPerClient: options.roomsPerClient,
          sendEveryMs: options.sendEveryMs,
        },
        this.random,
      ));
      this.log(`connecting ${options.clients} clients to ${this.rooms.length} rooms`);
      await crowd.connect(cluster.url);
      crowd.startChatting();
      const faults = await this.faultPhase(cluster, crowd);
      this.log(`settling for ${options.settleMs / 1000} s, then checking`);
      crowd.stopChatting();
      await sleep(options.settleMs);
      await waitUntil(() => crowd.unacked().length === 0, 15_000);
      const result = await this.check(cluster, crowd);
      return {
        runId,
        seed: options.seed,
        options,
        startedAt: started.toISOString(),
        durationS: Math.round((Date.now() - started.getTime()) / 1000),
        faults,
        ...result,
      };
    } finally {
      await this.stop();
    }
  }

  private async faultPhase(cluster: ChaosCluster, crowd: Crowd): Promise<FaultRecord[]> {
    const { options, random } = this;
    const phaseStart = Date.now();
    const end = phaseStart + options.minutes * 60_000;
    const next = faultSchedule(options.faults, random);
    const faults: FaultRecord[] = [];
    const flashSerial = { next: 0 };
    const roundsDone = (): boolean =>
      options.rounds !== undefined && faults.length >= options.rounds * options.faults.length;
    await sleep(random.int(...options.gapMs));
    while (Date.now() < end && !roundsDone() && !this.stopping) {
      const kind = next();
      const startedAt = Date.now();
      const record: FaultRecord = {
        kind,
        detail: '',
        atS: Math.round((startedAt - phaseStart) / 1000),
        problems: [],
      };
      faults.push(record);
      const log = (message: string): void => this.log(`fault ${faults.length} (${kind}): ${message}`);
      try {
        record.detail = await injectFault(kind, { cluster, random, rooms: this.rooms, log, flashSerial });
      } catch (error) {
        record.problems.push(`injection failed: ${String(error)}`);
      }
      const liftedAt = Date.now();
      record.faultMs = liftedAt - startedAt;
      try {
        await waitForChat(crowd, this.rooms, liftedAt + options.recoveryTimeoutMs);
        record.recoveredMs = Date.now() - liftedAt;
      } catch (error) {
        record.problems.push(`chat not recovered: ${error instanceof Error ? error.message : String(error)}`);
      }
      try {
        // Presence gets 20 s beyond the chat's recovery; the issue asks for 10.
        await waitForPresence(cluster, crowd, this.rooms, Date.now() + 20_000);
        record.presenceHealedMs = Date.now() - liftedAt;
      } catch (error) {
        record.problems.push(error instanceof Error ? error.message : String(error));
      }
      log(
        `lifted after ${fmt(record.faultMs)}; recovered ${fmt(record.recoveredMs)}, ` +
          `presence healed ${fmt(record.presenceHealedMs)} later` +
          (record.problems.length ? `; ${record.problems.join('; ')}` : ''),
      );
      await sleep(random.int(...options.gapMs));
    }
    return faults;
  }

  private async check(
    cluster: ChaosCluster,
    crowd: Crowd,
  ): Promise<Omit<ChaosResult, 'runId' | 'seed' | 'options' | 'startedAt' | 'durationS' | 'faults'>> {
    const probesFailed: string[] = [];
    await Promise.all(
      this.rooms.map((room) => crowd.probe(room, 15_000).catch(() => void probesFailed.push(room))),
    );
    const { sabotage } = this.options;
    const forgotten = sabotage === 'zombie' ? crowd.connected()[0]?.name : undefined;
    if (sabotage === 'loss') forgetOneMessage(crowd.connected()[0]);
    if (sabotage === 'duplicate') await storeOneTwice(cluster.redis.url, crowd);

    const streams = await readStreams(cluster.redis.url, this.rooms);
    const clients = crowd.members.map(clientRecord);
    const sends = crowd.members.flatMap((m) => m.sends.map((s) => ({ client: m.name, ...s })));
    const evidence: ChatEvidence = { streams, clients, sends };
    const delivery = checkDelivery(evidence);

    const live = livePresence(crowd, this.rooms, forgotten);
    const redisView = await redisPresence(cluster.redis.url, this.rooms);
    const { views, observerIds } = await nodePresence(cluster.liveNodes(), this.rooms);
    const presence = checkPresence([redisView, ...views], live, observerIds);

    const stuck: StuckFindings = {
      disconnected: crowd.members.filter((m) => !crowd.connected().includes(m)).map((m) => m.name),
      probesFailed,
      waitingSends: crowd.unacked().length,
    };
    const connectedAtEnd = crowd.connected().length;
    const byTransport: Record<string, number> = {};
    for (const m of crowd.members) byTransport[m.transport] = (byTransport[m.transport] ?? 0) + 1;
    return {
      clients: {
        total: crowd.members.length,
        connectedAtEnd,
        reconnects: crowd.members.reduce((sum, m) => sum + m.sessions - 1, 0),
        byTransport,
      },
      delivery,
      presence,
      stuck,
      verdict: judge(delivery, presence, stuck),
    };
  }

  /** Closes the clients, then every process (a paused node is continued first). Safe to call twice. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      this.crowd?.close();
      await this.cluster?.stop();
    })();
    return this.stopping;
  }
}

/** Node settings a run overrides (only those it was asked to). */
function nodeEnvOf(options: ChaosOptions): Record<string, string> {
  return options.drainTimeoutMs === undefined ? {} : { DRAIN_TIMEOUT_MS: String(options.drainTimeoutMs) };
}

function fmt(ms: number | undefined): string {
  return ms === undefined ? 'never' : `${(ms / 1000).toFixed(1)} s`;
}

async function waitUntil(check: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check() && Date.now() < deadline) await sleep(200);
}

function clientRecord(member: CrowdMember): ClientRecord {
  const received: Record<string, string[]> = {};
  for (const room of member.rooms)
    received[room] = member.client.rooms.get(room)?.messages.map((m) => m.id) ?? [];
  const pushedTwice: Record<string, number> = {};
  for (const [key, count] of member.livePushes) if (count > 1) pushedTwice[key] = count;
  return {
    name: member.name,
    userId: member.client.session?.userId ?? '',
    connected: member.client.status === 'connected' && member.client.socket.connected,
    joinedAt: Object.fromEntries(member.joinedAt),
    received,
    pushedTwice,
    waiting: member.sends.filter((s) => s.id === undefined && s.error === undefined).length,
  };
}

/** Every room's stream as Redis holds it: id and clientMsgId of each entry. */
async function readStreams(url: string, rooms: string[]): Promise<Record<string, StoredEntry[]>> {
  const redis = new Redis(url);
  try {
    const streams: Record<string, StoredEntry[]> = {};
    for (const room of rooms) {
      const entries = await redis.xrange(`ringchat:room:{${room}}:messages`, '-', '+');
      streams[room] = entries.map(([id, fields]) => {
        const at = fields.indexOf('cid');
        return { id, cid: at >= 0 ? fields[at + 1] : '' };
      });
    }
    return streams;
  } finally {
    redis.disconnect();
  }
}

/** Sabotage `loss`: a client drops the newest message of one room from what it holds. */
function forgetOneMessage(member: CrowdMember | undefined): void {
  const view = member && member.client.rooms.get(member.rooms[0]);
  view?.messages.pop();
}

/** Sabotage `duplicate`: one acked message is written to its stream a second time, same clientMsgId. */
async function storeOneTwice(url: string, crowd: Crowd): Promise<void> {
  const send = crowd.members.flatMap((m) => m.sends).find((s) => s.id !== undefined);
  if (!send) return;
  const redis = new Redis(url);
  try {
    await redis.xadd(
      `ringchat:room:{${send.room}}:messages`,
      '*',
      'message',
      'copy',
      'cid',
      send.clientMsgId,
    );
  } finally {
    redis.disconnect();
  }
}
