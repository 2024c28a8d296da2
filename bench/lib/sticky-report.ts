import { table, type SystemResults } from './compare-report.js';
import type { SweepResult } from './fanout.js';

/** The targets the benchmark is held to (issue 16). */
export const TARGETS = {
  /** ringchat's polling deliveries/s at p99 ≤ 50 ms ÷ the sticky peer's. */
  pollingVsSticky: 1.0,
  /** ringchat's WebSocket fanout deliveries/s ÷ the round-robin peer's. */
  fanoutVsPeer: 1.1,
} as const;

/**
 * The polling sweep of ringchat (round robin through nginx, requests routed to
 * their session's owner) beside the sticky peer's (address-hash nginx, no
 * routing): the best step of each and where the CPU went meanwhile, in % of one
 * core. `clients` is the load generator (the benchmark process).
 */
export function stickyPollingTable(ringchat?: SystemResults, sticky?: SystemResults): string {
  const row = (name: string, sweep: SweepResult | undefined, problem: string | undefined): string[] => {
    const best = bestStep(sweep);
    if (!best)
      return [name, problem ?? (sweep ? 'none passed' : '-'), '-', '-', '-', '-', '-', firstFailed(sweep)];
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
      'first step over the limit',
    ],
    [
      row('ringchat (round robin, routed)', ringchat?.polling, ringchat?.problems.polling),
      row('sticky peer (address hash)', sticky?.polling, sticky?.problems.polling),
    ],
  );
}

/**
 * What a delivery costs each system, step by step: CPU milliseconds of its
 * nodes, and of nodes + nginx + Redis, per 1,000 deliveries received, with the
 * generator's beside them. Unlike p99 this barely moves when other work shares
 * the machine, so it compares the systems even on a busy one.
 */
export function pollingCostTable(ringchat?: SystemResults, sticky?: SystemResults): string {
  type Step = SweepResult['steps'][number];
  const perThousand = (percentOfCore: number, step: Step): string =>
    step.deliveriesPerSec > 0 ? ((10_000 * percentOfCore) / step.deliveriesPerSec).toFixed(0) : '-';
  const cells = (step: Step | undefined): string[] => {
    if (!step) return ['-', '-', '-'];
    const { nodes, nginx, redis } = step.systemCpu;
    return [
      perThousand(nodes, step),
      perThousand(nodes + nginx + redis, step),
      perThousand(step.cpu.benchProcessPercent, step),
    ];
  };
  const at = (r: SystemResults | undefined, target: number): Step | undefined =>
    r?.polling?.steps.find((step) => step.targetDeliveriesPerSec === target);
  const all = [ringchat, sticky].flatMap((r) => r?.polling?.steps ?? []);
  const targets = [...new Set(all.map((step) => step.targetDeliveriesPerSec))].sort((a, b) => a - b);
  return table(
    [
      'target deliveries/s',
      'ringchat nodes',
      'ringchat system',
      'generator',
      'sticky nodes',
      'sticky system',
      'generator',
    ],
    targets.map((target) => [
      target.toLocaleString('en-US'),
      ...cells(at(ringchat, target)),
      ...cells(at(sticky, target)),
    ]),
  );
}

/** The two ratios the benchmark is held to, one line each, with their targets. */
export function headlineRatios(
  ringchat?: SystemResults,
  peer?: SystemResults,
  sticky?: SystemResults,
): string {
  const line = (
    what: string,
    ours: number | undefined,
    theirs: number | undefined,
    target: number,
  ): string => {
    if (ours === undefined || theirs === undefined) return `${what}: - (not measured in this run)`;
    if (!theirs) return `${what}: - (${ours} / 0: no step of the other system passed the p99 limit)`;
    const ratio = ours / theirs;
    const verdict = ratio >= target ? 'reached' : 'NOT reached';
    return `${what}: ${ratio.toFixed(2)} (${ours.toLocaleString('en-US')} / ${theirs.toLocaleString('en-US')} deliveries/s; target ≥ ${target.toFixed(1)}, ${verdict})`;
  };
  return [
    line(
      'polling ratio, ringchat / sticky peer',
      ringchat?.polling?.bestDeliveriesPerSec,
      sticky?.polling?.bestDeliveriesPerSec,
      TARGETS.pollingVsSticky,
    ),
    line(
      'fanout ratio, ringchat / round-robin peer (WebSocket)',
      ringchat?.fanout?.bestDeliveriesPerSec,
      peer?.fanout?.bestDeliveriesPerSec,
      TARGETS.fanoutVsPeer,
    ),
  ].join('\n');
}

function bestStep(sweep: SweepResult | undefined): SweepResult['steps'][number] | undefined {
  const passed = (sweep?.steps ?? []).filter((step) => step.passed);
  return passed.sort((a, b) => b.deliveriesPerSec - a.deliveriesPerSec)[0];
}

function firstFailed(sweep: SweepResult | undefined): string {
  const failed = sweep?.steps.find((step) => !step.passed);
  if (!failed) return `none (${sweep?.stoppedBecause ?? '-'})`;
  return `${failed.targetDeliveriesPerSec.toLocaleString('en-US')}/s: p99 ${failed.latency.p99.toFixed(2)} ms, lost ${failed.lost}`;
}
