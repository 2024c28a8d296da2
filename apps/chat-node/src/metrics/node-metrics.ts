import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { ChatObserver, HistoryReadKind } from '@app/chat';
import { ErrorCode } from '@app/chat-protocol';
import type { MembershipEventKind } from '@app/cluster';
import type { CommandObserver } from '@app/redis';
import type { EngineRequestKind, ForwardOutcome, RoutingObserver } from '@app/session-routing';

/** What the gauges read when Prometheus scrapes: the node's live state, never a copy. */
export interface MetricSources {
  /** Sessions hosted here, by their current transport (`polling`, `websocket`). */
  connectionsByTransport(): Record<string, number>;
  ringEpoch(): number;
  ringMembers(): number;
  /** Pinned sessions known cluster-wide. */
  pins(): number;
}

export interface NodeMetricsOptions {
  /** Added as the `node` label of every series, so one query can split by node. */
  node: string;
  /** Node's process metrics (CPU, memory, GC, event-loop lag). @default true */
  processMetrics?: boolean;
}

const TRANSPORTS = ['polling', 'websocket'] as const;
const FORWARD_KINDS: EngineRequestKind[] = ['poll', 'push', 'upgrade', 'handshake'];
const FORWARD_OUTCOMES: ForwardOutcome[] = ['forwarded', 'unreachable', 'aborted'];
const READ_KINDS: HistoryReadKind[] = ['history', 'replay', 'resume'];
const MEMBERSHIP_KINDS: MembershipEventKind[] = ['joined', 'left', 'expired'];

/** A relayed long-poll waits up to pingInterval (25 s) for data: the buckets reach past it. */
const FORWARD_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
/** An ack is one Redis round trip: milliseconds, with room for an outage's seconds. */
const ACK_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];
const REDIS_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 2];

/** What each series means: the HELP line Prometheus and Grafana show. */
const HELP = {
  ringchat_connections: 'Sessions hosted by this node, by current transport',
  ringchat_handshakes_total: 'Sessions opened here, by first transport',
  ringchat_transport_upgrades_total: 'Sessions here that moved from polling to WebSocket',
  ringchat_forwarded_requests_total: 'engine.io requests relayed to their owner, by kind and outcome',
  ringchat_forward_duration_seconds:
    'Time a relayed request took (an upgrade: until the owner answered), by kind; reached owners only',
  ringchat_upgrades_piped_total: 'WebSocket upgrades relayed to their owner and piped',
  ringchat_ring_epoch: 'The ring epoch this node routes with',
  ringchat_ring_members: 'Live members this node sees',
  ringchat_pins: 'Pinned sessions known cluster-wide',
  ringchat_membership_events_total: 'Peers that joined, left gracefully or expired, as this node saw them',
  ringchat_messages_stored_total: 'Chat messages stored by sends on this node',
  ringchat_message_duplicates_total: 'Sends recognised as retries of a stored message',
  ringchat_deliveries_total: 'Chat messages handed to connections of this node (one per recipient)',
  ringchat_ack_duration_seconds: 'From a send arriving to its ack (stored)',
  ringchat_history_reads_total: 'Reads of stored messages for clients, by kind',
  ringchat_refusals_total: 'Requests and handshakes refused, by error code',
  ringchat_redis_command_errors_total: 'Redis commands that failed, by command',
  ringchat_redis_command_duration_seconds: 'Redis command round trips on the command connection, by command',
  ringchat_presence_reconciliations_total: 'Presence reconciliation rounds completed',
  ringchat_presence_repairs_total: 'Identities a reconciliation added to or removed from presence',
} as const;

type SeriesName = keyof typeof HELP;

/**
 * One node's Prometheus metrics, in a registry of its own (not prom-client's
 * global one), so a test can build several. The libs never import prom-client:
 * they call the observer methods this class implements, and the gauges read
 * `MetricSources` at scrape time. Every labelled series starts at zero, so a
 * dashboard's `rate()` has a series before the first event.
 */
export class NodeMetrics implements ChatObserver, RoutingObserver, CommandObserver {
  readonly registry = new Registry();
  private sources?: MetricSources;

  private readonly handshakes = this.counter('ringchat_handshakes_total', ['transport']);
  private readonly transportUpgrades = this.counter('ringchat_transport_upgrades_total', []);
  private readonly forwards = this.counter('ringchat_forwarded_requests_total', ['kind', 'outcome']);
  private readonly forwardDuration = this.histogram(
    'ringchat_forward_duration_seconds',
    ['kind'],
    FORWARD_BUCKETS,
  );
  private readonly upgradesPiped = this.counter('ringchat_upgrades_piped_total', []);
  private readonly membershipEvents = this.counter('ringchat_membership_events_total', ['kind']);
  private readonly messagesStored = this.counter('ringchat_messages_stored_total', []);
  private readonly duplicates = this.counter('ringchat_message_duplicates_total', []);
  private readonly deliveries = this.counter('ringchat_deliveries_total', []);
  private readonly ackDuration = this.histogram('ringchat_ack_duration_seconds', [], ACK_BUCKETS);
  private readonly historyReads = this.counter('ringchat_history_reads_total', ['kind']);
  private readonly refusals = this.counter('ringchat_refusals_total', ['code']);
  private readonly redisErrors = this.counter('ringchat_redis_command_errors_total', ['command']);
  private readonly redisDuration = this.histogram(
    'ringchat_redis_command_duration_seconds',
    ['command'],
    REDIS_BUCKETS,
  );
  private readonly reconciliations = this.counter('ringchat_presence_reconciliations_total', []);
  private readonly repairs = this.counter('ringchat_presence_repairs_total', []);

  constructor(options: NodeMetricsOptions) {
    this.registry.setDefaultLabels({ node: options.node });
    if (options.processMetrics !== false) collectDefaultMetrics({ register: this.registry });
    for (const transport of TRANSPORTS) this.handshakes.labels({ transport }).inc(0);
    for (const kind of FORWARD_KINDS) {
      this.forwardDuration.zero({ kind });
      for (const outcome of FORWARD_OUTCOMES) this.forwards.labels({ kind, outcome }).inc(0);
    }
    for (const kind of READ_KINDS) this.historyReads.labels({ kind }).inc(0);
    for (const code of Object.values(ErrorCode)) this.refusals.labels({ code }).inc(0);
    for (const kind of MEMBERSHIP_KINDS) this.membershipEvents.labels({ kind }).inc(0);
    this.registerGauges();
  }

  /** Where the gauges read the node's state from. */
  readFrom(sources: MetricSources): void {
    this.sources = sources;
  }

  /** The text Prometheus scrapes. */
  async exposition(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }

  // The engine and the cluster (wired by the node).
  handshake(transport: string): void {
    this.handshakes.labels({ transport }).inc();
  }
  transportUpgraded(): void {
    this.transportUpgrades.inc();
  }
  membershipEvent(kind: MembershipEventKind): void {
    this.membershipEvents.labels({ kind }).inc();
  }

  // RoutingObserver
  forwarded(kind: EngineRequestKind, outcome: ForwardOutcome, seconds: number): void {
    this.forwards.labels({ kind, outcome }).inc();
    if (outcome !== 'forwarded') return;
    this.forwardDuration.labels({ kind }).observe(seconds);
    if (kind === 'upgrade') this.upgradesPiped.inc();
  }

  // ChatObserver
  stored(_room: string, duplicate: boolean, seconds: number): void {
    if (duplicate) this.duplicates.inc();
    else this.messagesStored.inc();
    this.ackDuration.observe(seconds);
  }
  delivered(_room: string, recipients: number): void {
    if (recipients > 0) this.deliveries.inc(recipients);
  }
  read(kind: HistoryReadKind): void {
    this.historyReads.labels({ kind }).inc();
  }
  refused(code: string): void {
    this.refusals.labels({ code }).inc();
  }
  reconciled(repaired: number): void {
    this.reconciliations.inc();
    if (repaired > 0) this.repairs.inc(repaired);
  }

  // CommandObserver
  answered(command: string, seconds: number, failed: boolean): void {
    if (failed) this.redisErrors.labels({ command }).inc();
    else this.redisDuration.labels({ command }).observe(seconds);
  }

  /** The gauges read the node's state at scrape time (see `readFrom`). */
  private registerGauges(): void {
    this.gauge('ringchat_connections', ['transport'], (set) => {
      const counts = this.sources?.connectionsByTransport() ?? {};
      for (const transport of TRANSPORTS) set({ transport }, counts[transport] ?? 0);
    });
    this.gauge('ringchat_ring_epoch', [], (set) => set({}, this.sources?.ringEpoch() ?? 0));
    this.gauge('ringchat_ring_members', [], (set) => set({}, this.sources?.ringMembers() ?? 0));
    this.gauge('ringchat_pins', [], (set) => set({}, this.sources?.pins() ?? 0));
  }

  private counter<L extends string>(name: SeriesName, labelNames: L[]): Counter<L> {
    return new Counter({ name, help: HELP[name], labelNames, registers: [this.registry] });
  }

  private histogram<L extends string>(name: SeriesName, labelNames: L[], buckets: number[]): Histogram<L> {
    return new Histogram({ name, help: HELP[name], labelNames, buckets, registers: [this.registry] });
  }

  private gauge<L extends string>(
    name: SeriesName,
    labelNames: L[],
    read: (set: (labels: Partial<Record<L, string>>, value: number) => void) => void,
  ): void {
    new Gauge({
      name,
      help: HELP[name],
      labelNames,
      registers: [this.registry],
      collect() {
        read((labels, value) => this.set(labels, value));
      },
    });
  }
}
