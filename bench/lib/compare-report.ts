import type { ConnectionsResult } from './connections.js';
import type { FailoverResult } from './failover.js';
import type { MeasuredStep, SweepResult, TransportResult } from './fanout.js';
import type { SystemName } from './systems.js';

export type ScenarioName =
  'fanout' | 'polling' | 'polling-direct' | 'transports' | 'connections' | 'failover';

/**
 * In the order they run, each on freshly started systems: the throughput sweeps
 * first; connections last, as the 20,000 sockets it closes linger in the kernel
 * (TIME_WAIT) for a minute after it.
 */
export const SCENARIO_NAMES: readonly ScenarioName[] = [
  'fanout',
  'polling',
  'polling-direct',
  'transports',
  'failover',
  'connections',
];

/** Everything measured on one system. */
export interface SystemResults {
  system: SystemName;
  fanout?: SweepResult;
  /** The fanout sweep again, with long-polling-only clients. */
  polling?: SweepResult;
  /** The polling sweep with every client on the first node directly: no nginx, no forwarding. */
  pollingDirect?: SweepResult;
  transports?: TransportResult[];
  connections?: ConnectionsResult;
  failover?: FailoverResult;
  /** Scenario → why it has no result (failed, or skipped for the time limit). */
  problems: Partial<Record<ScenarioName, string>>;
}

type Cell = number | string | undefined;

interface Row {
  scenario: string;
  metric: string;
  /** Which way is better, for reading the ratio. */
  better: 'higher' | 'lower' | '';
  ringchat: Cell;
  peer: Cell;
}

/** The comparison: one metric a line, both systems, ratio ringchat/peer. */
export function summaryTable(ringchat?: SystemResults, peer?: SystemResults): string {
  const rows: Row[] = [];
  const both = (
    scenario: string,
    metric: string,
    better: Row['better'],
    pick: (r: SystemResults) => Cell,
  ): void => {
    rows.push({
      scenario,
      metric,
      better,
      ringchat: ringchat ? pick(ringchat) : undefined,
      peer: peer ? pick(peer) : undefined,
    });
  };
  const problem = (r: SystemResults, s: ScenarioName): string | undefined =>
    r.problems[s] ? `(${r.problems[s]})` : undefined;

  both('fanout', 'highest sustained deliveries/s, p99 ≤ 50 ms', 'higher', (r) =>
    r.fanout ? r.fanout.bestDeliveriesPerSec : problem(r, 'fanout'),
  );
  both('fanout', 'p99 ms at the fastest step that passed', 'lower', (r) => {
    const last = r.fanout?.steps
      .filter((s) => s.passed)
      .sort((a, b) => a.targetDeliveriesPerSec - b.targetDeliveriesPerSec)
      .at(-1);
    return last ? `${fixed(last.latency.p99)} @ ${thousands(last.targetDeliveriesPerSec)}/s` : undefined;
  });
  both('fanout', 'lowest step over the limit', '', (r) => firstFailure(r.fanout));
  both('polling sweep', 'clients failed to connect', 'lower', (r) =>
    r.polling ? `${r.polling.connect.failed}/${r.polling.connect.attempted}` : problem(r, 'polling'),
  );
  both('polling sweep', 'highest sustained deliveries/s, p99 ≤ 50 ms', 'higher', (r) =>
    r.polling ? r.polling.bestDeliveriesPerSec : undefined,
  );
  both('polling sweep', "÷ the same system's WebSocket figure (fanout)", 'higher', (r) =>
    r.polling && r.fanout?.bestDeliveriesPerSec
      ? fixed(r.polling.bestDeliveriesPerSec / r.fanout.bestDeliveriesPerSec)
      : undefined,
  );
  both('polling sweep', 'lowest step over the limit', '', (r) => firstFailure(r.polling));
  both('polling, one node direct', 'clients failed to connect', 'lower', (r) =>
    r.pollingDirect
      ? `${r.pollingDirect.connect.failed}/${r.pollingDirect.connect.attempted}`
      : problem(r, 'polling-direct'),
  );
  both('polling, one node direct', 'highest sustained deliveries/s, p99 ≤ 50 ms', 'higher', (r) =>
    r.pollingDirect ? r.pollingDirect.bestDeliveriesPerSec : undefined,
  );
  both('polling, one node direct', 'lowest step over the limit', '', (r) => firstFailure(r.pollingDirect));
  for (const transport of ['websocket', 'polling', 'default'] as const) {
    const pick = (r: SystemResults): TransportResult | undefined =>
      r.transports?.find((t) => t.transport === transport);
    const name = `transports: ${transport}`;
    both(name, 'clients failed to connect', 'lower', (r) => {
      const t = pick(r);
      return t ? `${t.connect.failed}/${t.connect.attempted}` : problem(r, 'transports');
    });
    both(name, 'p50 ms', 'lower', (r) => pick(r)?.step?.latency.p50);
    both(name, 'p99 ms', 'lower', (r) => pick(r)?.step?.latency.p99);
    both(name, 'max ms', 'lower', (r) => pick(r)?.step?.latency.max);
    both(name, 'lost deliveries', 'lower', (r) => {
      const step = pick(r)?.step;
      return step ? `${step.lost}/${step.expected}` : undefined;
    });
  }
  both('connections', 'WebSocket clients connected', 'higher', (r) =>
    r.connections ? `${r.connections.connected}/${r.connections.attempted}` : problem(r, 'connections'),
  );
  both('connections', 'failed (+ dropped while open)', 'lower', (r) =>
    r.connections ? `${r.connections.failed} (+${r.connections.dropped})` : undefined,
  );
  both('connections', 'connects/s', 'higher', (r) => r.connections?.connectsPerSec);
  both(
    'connections',
    'node RSS KiB per connection (all nodes)',
    'lower',
    (r) => r.connections?.kibPerConnection,
  );
  both('connections', 'node RSS KiB per connection, per node', '', (r) =>
    r.connections?.nodes.map((n) => `${n.node} ${n.kibPerConnection} (${n.sessions})`).join(', '),
  );
  both('failover', 'clients disconnected by the crash', '', (r) =>
    r.failover ? `${r.failover.disconnected}/${r.failover.clients}` : problem(r, 'failover'),
  );
  both(
    'failover',
    'crash → all reconnected, ms',
    'lower',
    (r) => r.failover?.reconnectMs ?? unrecovered(r.failover),
  );
  both(
    'failover',
    'crash → all chatting again, ms',
    'lower',
    (r) => r.failover?.recoveryMs ?? unrecovered(r.failover),
  );
  both('failover', 'lost deliveries', 'lower', (r) =>
    r.failover ? `${r.failover.lostDeliveries}/${r.failover.expectedDeliveries}` : undefined,
  );
  both('failover', 'messages that reached nobody', 'lower', (r) => r.failover?.messagesLostEverywhere);
  both('failover', 'acknowledged messages lost (ringchat)', 'lower', (r) =>
    r.failover?.ackedLost === undefined ? 'no acks' : r.failover.ackedLost,
  );

  return table(
    ['scenario', 'metric', 'better', 'ringchat', 'peer', 'ringchat/peer'],
    rows.map((row) => [
      row.scenario,
      row.metric,
      row.better,
      cell(row.ringchat),
      cell(row.peer),
      ratio(row.ringchat, row.peer),
    ]),
  );
}

/** Which sweep a table shows: the WebSocket fanout, or a polling one. */
export type SweepName = 'fanout' | 'polling' | 'pollingDirect';

type StepColumn = [title: string, value: (step: MeasuredStep) => string];

/**
 * One line per target rate of a sweep: the rate, then `columns` of each
 * system's step at that rate ('-' where a system has no such step: the
 * bisections pick different rates), then whatever `extra` adds from all of them.
 * A system's first column is titled with its name.
 */
function sideBySide(
  sweep: SweepName,
  systems: Array<SystemResults | undefined>,
  columns: StepColumn[],
  extra?: [title: string, value: (steps: Array<MeasuredStep | undefined>) => string],
): string {
  const present = systems.filter((r): r is SystemResults => r !== undefined);
  const at = (r: SystemResults, target: number): MeasuredStep | undefined =>
    r[sweep]?.steps.find((s) => s.targetDeliveriesPerSec === target);
  const cells = (step: MeasuredStep | undefined): string[] =>
    columns.map(([, value]) => (step ? value(step) : '-'));
  const titles = (system: string): string[] =>
    columns.map(([title], i) => (i === 0 ? `${system} ${title}` : title));
  const all = present.flatMap((r) => (r[sweep]?.steps ?? []).map((s) => s.targetDeliveriesPerSec));
  const targets = [...new Set(all)].sort((a, b) => a - b);
  return table(
    ['target deliveries/s', ...present.flatMap((r) => titles(r.system)), ...(extra ? [extra[0]] : [])],
    targets.map((target) => {
      const steps = present.map((r) => at(r, target));
      return [thousands(target), ...steps.flatMap(cells), ...(extra ? [extra[1](steps)] : [])];
    }),
  );
}

/**
 * Every step of a sweep of the given systems, side by side by target rate, and
 * the p99 of the first system over the last's.
 */
export function sweepStepsTable(sweep: SweepName, systems: Array<SystemResults | undefined>): string {
  const present = systems.filter((r): r is SystemResults => r !== undefined);
  const first = present[0]?.system;
  const last = present.at(-1)?.system;
  return sideBySide(
    sweep,
    present,
    [
      ['got/s', (s) => thousands(s.deliveriesPerSec)],
      ['p50', (s) => fixed(s.latency.p50)],
      ['p99', (s) => fixed(s.latency.p99)],
      ['max', (s) => fixed(s.latency.max)],
      ['lost', (s) => String(s.lost)],
    ],
    present.length > 1
      ? [`p99 ${first}/${last}`, (steps) => ratio(steps[0]?.latency.p99, steps.at(-1)?.latency.p99)]
      : undefined,
  );
}

/**
 * Where the CPU went during each step of a sweep, in % of one core (the machine
 * has 100 × cores): the nodes together, Redis, nginx (all workers), the
 * benchmark's own process, where every client runs, and that process's CPU
 * milliseconds per 1,000 deliveries received (the generator's cost).
 */
export function sweepCpuTable(sweep: SweepName, systems: Array<SystemResults | undefined>): string {
  return sideBySide(sweep, systems, [
    ['nodes', (s) => String(s.systemCpu.nodes)],
    ['redis', (s) => String(s.systemCpu.redis)],
    ['nginx', (s) => String(s.systemCpu.nginx)],
    ['clients', (s) => String(s.cpu.benchProcessPercent)],
    ['clients ms/1k', (s) => msPerThousand(s.cpu.benchProcessPercent, s.deliveriesPerSec)],
    ['machine', (s) => String(s.cpu.machinePercent)],
  ]);
}

/** CPU ms per 1,000 deliveries, from % of one core at `deliveriesPerSec`. */
export function msPerThousand(percentOfCore: number, deliveriesPerSec: number): string {
  return deliveriesPerSec > 0 ? ((10_000 * percentOfCore) / deliveriesPerSec).toFixed(0) : '-';
}

/** The failed step with the lowest rate (a bisection's, when it found one lower than the coarse sweep's). */
export function lowestFailedStep(sweep: SweepResult | undefined): SweepResult['steps'][number] | undefined {
  const failed = (sweep?.steps ?? []).filter((s) => !s.passed);
  return failed.sort((a, b) => a.targetDeliveriesPerSec - b.targetDeliveriesPerSec)[0];
}

function firstFailure(sweep: SweepResult | undefined): string | undefined {
  const failed = lowestFailedStep(sweep);
  if (failed) {
    return `${thousands(failed.targetDeliveriesPerSec)}/s: p99 ${fixed(failed.latency.p99)} ms, lost ${failed.lost}`;
  }
  return sweep ? `none (${sweep.stoppedBecause})` : undefined;
}

function unrecovered(result: FailoverResult | undefined): string | undefined {
  return result ? `not within the window (${result.unrecovered} clients)` : undefined;
}

function cell(value: Cell): string {
  if (value === undefined) return '-';
  if (typeof value === 'number') return Number.isInteger(value) ? thousands(value) : fixed(value);
  return value;
}

function ratio(a: Cell, b: Cell): string {
  const x = leadingNumber(a);
  const y = leadingNumber(b);
  if (x === undefined || y === undefined || y === 0) return '-';
  return (x / y).toFixed(2);
}

/** The number a cell starts with ("12 @ 3,000/s" → 12, "0/60" → 0). */
function leadingNumber(value: Cell): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  const match = value === undefined ? null : /^(-?[\d,]+(?:\.\d+)?)(?=$|[\s/@(])/.exec(value);
  return match ? Number(match[1].replace(/,/g, '')) : undefined;
}

function thousands(value: number): string {
  return Math.round(value).toLocaleString('en-US');
}

function fixed(value: number): string {
  return Number.isFinite(value) ? value.toFixed(2) : '-';
}

export function table(header: string[], lines: string[][]): string {
  const widths = header.map((title, column) =>
    Math.max(title.length, ...lines.map((line) => line[column].length)),
  );
  const format = (cells: string[]): string =>
    `| ${cells.map((value, column) => value.padEnd(widths[column])).join(' | ')} |`;
  const rule = `|${widths.map((width) => '-'.repeat(width + 2)).join('|')}|`;
  return [format(header), rule, ...lines.map(format)].join('\n');
}
