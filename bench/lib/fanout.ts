import { progress, sleep } from './progress.js';
import {
  RoomGroup,
  describeRate,
  type ConnectOutcome,
  type RoomGroupOptions,
  type StepResult,
  type TransportMode,
} from './room-load.js';
import { startSystemCpuMeter, type BenchSystem, type SystemCpu } from './systems.js';

/** A step, with how busy the system's processes were meanwhile. */
export type MeasuredStep = StepResult & { systemCpu: SystemCpu };

/** Runs one step of `group` and measures the CPU of the system's processes meanwhile. */
async function measuredRun(
  system: BenchSystem,
  group: RoomGroup,
  ...args: Parameters<RoomGroup['run']>
): Promise<MeasuredStep> {
  const meter = startSystemCpuMeter(system);
  const step = await group.run(...args);
  return { ...step, systemCpu: meter() };
}

export interface SweepOptions {
  /** How the clients connect. @default 'websocket' */
  transport?: TransportMode;
  /**
   * Every client talks to the first node itself: no nginx, no forwarding (and
   * for a balancer-less single node, polling works on the peer too). @default false
   */
  direct?: boolean;
  rooms: number;
  membersPerRoom: number;
  /** Which client (see RoomGroupOptions). @default 'socket.io' */
  client?: RoomGroupOptions['client'];
  /** Clients from many loopback addresses (see RoomGroupOptions). @default false */
  spreadSources?: boolean;
  /** Messages per second (all rooms together) of each step of the coarse sweep, rising. */
  steps: number[];
  /**
   * After the coarse sweep, at most this many steps bisecting between the last
   * rate that passed and the first that did not, so the ceiling is known to
   * better than the coarse steps' spacing. @default 0
   */
  bisectSteps?: number;
  stepMs: number;
  drainMs: number;
  /** A step passes while its p99 stays at or under this, with nothing lost. */
  p99LimitMs: number;
  /** Stop stepping (and report what was measured) past this time (performance.now()). */
  deadline: number;
}

export interface SweepResult {
  transport: TransportMode;
  direct: boolean;
  rooms: number;
  membersPerRoom: number;
  connect: ConnectOutcome;
  /** The coarse sweep's steps, then the bisection's, in the order they ran. */
  steps: Array<MeasuredStep & { passed: boolean; bisection?: boolean }>;
  /** The first failed step of a sweep is measured again; the failed attempt is kept here. */
  discardedSteps: MeasuredStep[];
  /** Deliveries/s of the fastest step that passed; 0 if none did. */
  bestDeliveriesPerSec: number;
  /**
   * Where the ceiling lies, in target deliveries/s: the highest rate that passed
   * and the lowest that did not (absent when no step passed, or none failed).
   */
  ceiling?: { passed: number; failed: number };
  /** Why stepping stopped. */
  stoppedBecause: string;
}

/**
 * Scenarios "fanout" (WebSocket clients), "polling" (long-polling clients) and
 * "polling-direct" (the same, on one node without nginx): rooms × members
 * clients, the send rate stepped up until a step's p99 passes the limit or a
 * delivery is lost, then bisected between the last rate that passed and that one.
 */
export async function runSweep(bench: BenchSystem, options: SweepOptions): Promise<SweepResult> {
  const { rooms, membersPerRoom, transport = 'websocket', direct = false } = options;
  const { name: system } = bench;
  const url = direct ? bench.nodes[0].url : bench.url;
  const scenario =
    (transport === 'websocket' ? 'fanout' : `${transport} sweep`) +
    (direct ? `, ${bench.nodes[0].id} direct` : '');
  const { client = 'socket.io', spreadSources } = options;
  progress(
    `${system} ${scenario}: connecting ${rooms * membersPerRoom} ${transport} clients (${client}) in ${rooms} rooms`,
  );
  const openGroup = (label: string): Promise<RoomGroup> =>
    RoomGroup.open({ url, label, rooms, membersPerRoom, transport, client, spreadSources });
  let group = await openGroup('fanout');
  const result: SweepResult = {
    transport,
    direct,
    rooms,
    membersPerRoom,
    connect: group.connect,
    steps: [],
    discardedSteps: [],
    bestDeliveriesPerSec: 0,
    stoppedBecause: 'all steps passed',
  };
  const timeLeft = (): boolean => performance.now() + options.stepMs + options.drainMs <= options.deadline;
  /** One step at `rate`, measured; logged with its CPU split. */
  const step = async (tag: string, label: string, rate: number): Promise<MeasuredStep> => {
    progress(`${label}: ${describeRate(rate, membersPerRoom)}`);
    const measured = await measuredRun(bench, group, tag, rate, options.stepMs, options.drainMs, (line) =>
      progress(`${label}: ${line}`),
    );
    const passed = passes(measured, options.p99LimitMs);
    progress(
      `${label}: p50 ${measured.latency.p50} ms, p99 ${measured.latency.p99} ms, max ${measured.latency.max} ms, ` +
        `lost ${measured.lost}; CPU nodes ${measured.systemCpu.nodes}%, redis ${measured.systemCpu.redis}%, ` +
        `nginx ${measured.systemCpu.nginx}%, clients ${measured.cpu.benchProcessPercent}%` +
        `${passed ? ' → passed' : ' → over the limit'}`,
    );
    if (measured.clientsBroken > 0) {
      const reasons = Object.entries(measured.breakReasons).map(([reason, n]) => `${n} × ${reason}`);
      progress(`${label}: ${measured.clientsBroken} clients lost their connection: ${reasons.join('; ')}`);
    }
    return measured;
  };
  try {
    if (group.connect.failed > 0) {
      progress(`${system} ${scenario}: ${group.connect.failed} clients failed to connect`);
    }
    if (group.connect.connected === 0) {
      result.stoppedBecause = 'no client connected';
      return result;
    }
    progress(
      `${system} ${scenario}: steps of ${options.stepMs / 1000} s at ${options.steps.join(', ')} msg/s ` +
        `until one is over p99 ${options.p99LimitMs} ms or loses a delivery, ` +
        `then at most ${options.bisectSteps ?? 0} bisection step(s) below it`,
    );
    // Warm-up at the lowest rate: JIT, connection pools, Redis scripts. Not counted.
    await group.run('warmup', options.steps[0], 1000, options.drainMs);
    let lastPassed: number | undefined;
    let firstFailed: number | undefined;
    for (const [i, rate] of options.steps.entries()) {
      if (!timeLeft()) {
        result.stoppedBecause = 'time limit';
        break;
      }
      const label = `${system} ${scenario} step ${i + 1}/${options.steps.length}`;
      let measured = await step(`s${i}`, label, rate);
      if (!passes(measured, options.p99LimitMs) && result.discardedSteps.length === 0 && timeLeft()) {
        // One hiccup of a shared machine (a GC pause, another process) should not
        // end the sweep: the first failed step of a sweep is measured once more.
        progress(`${label}: measuring this step once more`);
        result.discardedSteps.push(measured);
        await sleep(1000);
        measured = await step(`s${i}r`, `${label} (again)`, rate);
      }
      const passed = passes(measured, options.p99LimitMs);
      result.steps.push({ ...measured, passed });
      if (!passed) {
        firstFailed = rate;
        result.stoppedBecause = overTheLimit(measured, options.p99LimitMs);
        break;
      }
      lastPassed = rate;
      await sleep(500);
    }
    if (lastPassed !== undefined && firstFailed !== undefined) {
      await bisect(lastPassed, firstFailed);
    }
    const passedSteps = result.steps.filter((s) => s.passed);
    result.bestDeliveriesPerSec = Math.max(0, ...passedSteps.map((s) => s.deliveriesPerSec));
    const failedSteps = result.steps.filter((s) => !s.passed);
    if (passedSteps.length > 0 && failedSteps.length > 0) {
      result.ceiling = {
        passed: Math.max(...passedSteps.map((s) => s.targetDeliveriesPerSec)),
        failed: Math.min(...failedSteps.map((s) => s.targetDeliveriesPerSec)),
      };
      progress(
        `${system} ${scenario}: ceiling between ${thousands(result.ceiling.passed)} (passed) and ` +
          `${thousands(result.ceiling.failed)} (did not) deliveries/s`,
      );
    }
    return result;
  } finally {
    group.close();
  }

  /** Halves [passed, failed] up to bisectSteps times, each midpoint one step (no retry). */
  async function bisect(passed: number, failed: number): Promise<void> {
    const total = options.bisectSteps ?? 0;
    let lastFailed = true;
    for (let n = 1; n <= total; n++) {
      const rate = Math.round((passed + failed) / 2);
      if (rate <= passed || rate >= failed) break;
      if (!timeLeft()) {
        result.stoppedBecause += '; bisection cut short by the time limit';
        break;
      }
      const label = `${system} ${scenario} bisection ${n}/${total} (between ${passed} and ${failed} msg/s)`;
      // An overloaded step can leave the system with a backlog and its clients with
      // dead sessions (the plain peer drops polling sessions that miss a ping), which
      // would fail the next step whatever its rate: every bisection step that follows
      // a failed one starts from fresh clients and a warm-up.
      if (lastFailed) await freshClients(label, n);
      else await sleep(500);
      const measured = await step(`b${n}`, label, rate);
      const ok = passes(measured, options.p99LimitMs);
      result.steps.push({ ...measured, passed: ok, bisection: true });
      lastFailed = !ok;
      if (ok) passed = rate;
      else failed = rate;
    }
  }

  /** Replaces every client with a new one, connected and warmed up like the first set. */
  async function freshClients(label: string, n: number): Promise<void> {
    group.close();
    await sleep(options.drainMs);
    progress(`${label}: fresh clients after the step over the limit`);
    group = await openGroup(`fanout-b${n}`);
    if (group.connect.failed > 0) progress(`${label}: ${group.connect.failed} clients failed to connect`);
    await group.run(`warmup-b${n}`, options.steps[0], 1000, options.drainMs);
  }
}

function thousands(value: number): string {
  return value.toLocaleString('en-US');
}

function overTheLimit(step: StepResult, p99LimitMs: number): string {
  return step.lost > 0 ? `lost ${step.lost} deliveries` : `p99 ${step.latency.p99} ms > ${p99LimitMs}`;
}

function passes(step: StepResult, p99LimitMs: number): boolean {
  return step.lost === 0 && step.latency.p99 <= p99LimitMs;
}

export interface TransportOptions {
  rooms: number;
  membersPerRoom: number;
  messagesPerSec: number;
  durationMs: number;
  drainMs: number;
  transports: TransportMode[];
}

export interface TransportResult {
  transport: TransportMode;
  connect: ConnectOutcome;
  /** Absent when no client could connect. */
  step?: MeasuredStep;
}

/** Scenario "transports": the same room load at a fixed rate, one transport mode at a time. */
export async function runTransports(
  bench: BenchSystem,
  options: TransportOptions,
): Promise<TransportResult[]> {
  const { name: system, url } = bench;
  const results: TransportResult[] = [];
  for (const transport of options.transports) {
    const clients = options.rooms * options.membersPerRoom;
    progress(`${system} transports: connecting ${clients} ${transport} clients`);
    const group = await RoomGroup.open({
      url,
      label: `tr-${transport}`,
      rooms: options.rooms,
      membersPerRoom: options.membersPerRoom,
      transport,
    });
    try {
      const { connected, failed, errors } = group.connect;
      progress(
        `${system} transports ${transport}: ${connected} connected, ${failed} failed` +
          (failed ? ` (${Object.keys(errors).slice(0, 3).join('; ')})` : ''),
      );
      if (connected === 0) {
        results.push({ transport, connect: group.connect });
        continue;
      }
      await group.run('warmup', options.messagesPerSec, 1000, options.drainMs);
      const step = await measuredRun(
        bench,
        group,
        'm',
        options.messagesPerSec,
        options.durationMs,
        options.drainMs,
        (line) => progress(`${system} transports ${transport}: ${line}`),
      );
      progress(
        `${system} transports ${transport}: p50 ${step.latency.p50} ms, p99 ${step.latency.p99} ms, lost ${step.lost}`,
      );
      results.push({ transport, connect: group.connect, step });
    } finally {
      group.close();
    }
    await sleep(500);
  }
  return results;
}
