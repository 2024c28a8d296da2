import { lowestFailedStep, msPerThousand, table, type SystemResults } from './compare-report.js';
import type { SweepResult } from './fanout.js';
import type { SystemName } from './systems.js';

/** The targets the benchmark is held to (issue 16). */
export const TARGETS = {
  /** ringchat's (owner hint) polling deliveries/s at p99 ≤ 50 ms ÷ the sticky peer's. */
  pollingVsSticky: 1.0,
  /** ringchat's WebSocket fanout deliveries/s ÷ the round-robin peer's. */
  fanoutVsPeer: 1.1,
} as const;

/** How the polling tables name each system. */
const POLLING_LABELS: Partial<Record<SystemName, string>> = {
  ringchat: 'ringchat (owner hint)',
  'ringchat-rr': 'ringchat (round robin, routed)',
  sticky: 'sticky peer (address hash)',
};

type Step = SweepResult['steps'][number];

/**
 * The polling sweeps side by side, one row per system: ringchat with nginx
 * sending each request to its sid's owner, ringchat behind plain round robin
 * (the nodes route what misses its owner), and the sticky peer (address-hash
 * nginx, no routing). The best step of each and where the CPU went meanwhile,
 * in % of one core; `clients` is the load generator (the benchmark process).
 */
export function stickyPollingTable(systems: Array<SystemResults | undefined>): string {
  const row = (r: SystemResults): string[] => {
    const sweep = r.polling;
    const name = POLLING_LABELS[r.system] ?? r.system;
    const best = bestStep(sweep);
    if (!best)
      return [
        name,
        r.problems.polling ?? (sweep ? 'none passed' : '-'),
        '-',
        '-',
        '-',
        '-',
        '-',
        firstFailed(sweep),
      ];
    const { systemCpu, cpu, latency } = best;
    return [
      name,
      best.deliveriesPerSec.toLocaleString('en-US'),
      latency.p99.toFixed(2),
      String(systemCpu.nodes),
      String(systemCpu.nginx),
      String(systemCpu.redis),
      String(cpu.benchProcessPercent),
      firstFailed(sweep),
    ];
  };
  return table(
    [
      'system',
      'deliveries/s, p99 ≤ 50 ms',
      'p99 ms',
      'CPU nodes',
      'nginx',
      'redis',
      'clients',
      'lowest step over the limit',
    ],
    systems.filter((r): r is SystemResults => r !== undefined).map(row),
  );
}

/**
 * What a delivery costs each system, step by step: CPU milliseconds of its
 * nodes, and of nodes + nginx + Redis, per 1,000 deliveries received, with the
 * generator's beside them. Unlike p99 this barely moves when other work shares
 * the machine, so it compares the systems even on a busy one.
 */
export function pollingCostTable(systems: Array<SystemResults | undefined>): string {
  const present = systems.filter((r): r is SystemResults => r !== undefined);
  const cells = (step: Step | undefined): string[] => {
    if (!step) return ['-', '-', '-'];
    const { nodes, nginx, redis } = step.systemCpu;
    return [
      msPerThousand(nodes, step.deliveriesPerSec),
      msPerThousand(nodes + nginx + redis, step.deliveriesPerSec),
      msPerThousand(step.cpu.benchProcessPercent, step.deliveriesPerSec),
    ];
  };
  const at = (r: SystemResults, target: number): Step | undefined =>
    r.polling?.steps.find((step) => step.targetDeliveriesPerSec === target);
  const all = present.flatMap((r) => r.polling?.steps ?? []);
  const targets = [...new Set(all.map((step) => step.targetDeliveriesPerSec))].sort((a, b) => a - b);
  return table(
    [
      'target deliveries/s',
      ...present.flatMap((r) => [`${r.system} nodes`, `${r.system} system`, 'generator']),
    ],
    targets.map((target) => [
      target.toLocaleString('en-US'),
      ...present.flatMap((r) => cells(at(r, target))),
    ]),
  );
}

/**
 * The two ratios the benchmark is held to, one line each, with their targets,
 * and ringchat behind plain round robin against the sticky peer for reference.
 */
export function headlineRatios(results: SystemResults[]): string {
  const of = (name: SystemName): SystemResults | undefined => results.find((r) => r.system === name);
  const polling = (name: SystemName): SweepResult | undefined => of(name)?.polling;
  const line = (what: string, ours?: SweepResult, theirs?: SweepResult, target?: number): string => {
    if (!ours || !theirs) return `${what}: - (not measured in this run)`;
    const [a, b] = [ours.bestDeliveriesPerSec, theirs.bestDeliveriesPerSec];
    if (!b)
      return `${what}: - (${a.toLocaleString('en-US')} / 0: no step of the other system passed the p99 limit)`;
    const ratio = a / b;
    const bound = ratioBound(ours, theirs);
    const verdict =
      target === undefined
        ? 'for reference, no target'
        : `target ≥ ${target.toFixed(1)}, ${targetVerdict(ratio, target, bound)}`;
    const shown = `${BOUNDS[bound].sign}${ratio.toFixed(2)}`;
    return (
      `${what}: ${shown} (${a.toLocaleString('en-US')} / ${b.toLocaleString('en-US')} deliveries/s; ` +
      `${verdict}; ceilings ${ceiling(ours)} and ${ceiling(theirs)}${boundNote(bound)})`
    );
  };
  return [
    line(
      'polling ratio, ringchat (owner hint) / sticky peer',
      polling('ringchat'),
      polling('sticky'),
      TARGETS.pollingVsSticky,
    ),
    line(
      'polling ratio, ringchat (round robin, routed) / sticky peer',
      polling('ringchat-rr'),
      polling('sticky'),
    ),
    line(
      'fanout ratio, ringchat / round-robin peer (WebSocket)',
      of('ringchat')?.fanout,
      of('peer')?.fanout,
      TARGETS.fanoutVsPeer,
    ),
  ].join('\n');
}

/**
 * A sweep that passed every step it ran did not find its ceiling: its figure is
 * a floor. The ratio is then a bound (ours a floor: at least; theirs: at most),
 * or unknown when neither found one.
 */
type RatioBound = 'exact' | 'at least' | 'at most' | 'unknown';

/**
 * How a ratio is printed: a floor over a ceiling is "≥", the reverse "≤"; with no
 * ceiling either side, no sign. `floor`: whose figure is a floor, for the note.
 */
const BOUNDS: Record<RatioBound, { sign: string; floor?: string }> = {
  exact: { sign: '' },
  'at least': { sign: '≥ ', floor: 'ringchat' },
  'at most': { sign: '≤ ', floor: 'the other system' },
  unknown: { sign: '', floor: 'both' },
};

function ratioBound(ours: SweepResult, theirs: SweepResult): RatioBound {
  if (ours.ceiling && theirs.ceiling) return 'exact';
  if (theirs.ceiling) return 'at least';
  if (ours.ceiling) return 'at most';
  return 'unknown';
}

function targetVerdict(ratio: number, target: number, bound: RatioBound): string {
  const reached = ratio >= target;
  if (bound === 'exact') return reached ? 'reached' : 'NOT reached';
  if (bound === 'at least' && reached) return 'reached';
  if (bound === 'at most' && !reached) return 'NOT reached';
  return 'not decided';
}

function boundNote(bound: RatioBound): string {
  const { floor } = BOUNDS[bound];
  return floor
    ? `; ${floor} passed every step run, so its figure is a floor, not a ceiling: add faster steps`
    : '';
}

/** Where a sweep's ceiling lies, in target deliveries/s: "24,000–25,500". */
function ceiling(sweep: SweepResult): string {
  const c = sweep.ceiling;
  if (!c)
    return sweep.bestDeliveriesPerSec > 0 ? `≥ ${sweep.bestDeliveriesPerSec.toLocaleString('en-US')}` : '-';
  return `${c.passed.toLocaleString('en-US')}–${c.failed.toLocaleString('en-US')}`;
}

function bestStep(sweep: SweepResult | undefined): Step | undefined {
  const passed = (sweep?.steps ?? []).filter((step) => step.passed);
  return passed.sort((a, b) => b.deliveriesPerSec - a.deliveriesPerSec)[0];
}

function firstFailed(sweep: SweepResult | undefined): string {
  const failed = lowestFailedStep(sweep);
  if (!failed) return `none (${sweep?.stoppedBecause ?? '-'})`;
  return `${failed.targetDeliveriesPerSec.toLocaleString('en-US')}/s: p99 ${failed.latency.p99.toFixed(2)} ms, lost ${failed.lost}`;
}
