import { progress, sleep } from './progress.js';
import {
  RoomGroup,
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
  /** Which polling client (see RoomGroupOptions). @default 'socket.io' */
  client?: RoomGroupOptions['client'];
  /** Clients from many loopback addresses (see RoomGroupOptions). @default false */
  spreadSources?: boolean;
  /** Messages per second (all rooms together) of each step, rising. */
  steps: number[];
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
  steps: Array<MeasuredStep & { passed: boolean }>;
  /** The first failed step of a sweep is measured again; the failed attempt is kept here. */
  discardedSteps: MeasuredStep[];
  /** Deliveries/s of the fastest step that passed; 0 if none did. */
  bestDeliveriesPerSec: number;
  /** Why stepping stopped. */
  stoppedBecause: string;
}

/**
 * Scenarios "fanout" (WebSocket clients), "polling" (long-polling clients) and
 * "polling-direct" (the same, on one node without nginx): rooms × members
 * clients, the send rate stepped up until a step's p99 passes the limit or a
 * delivery is lost.
 */
export async function runSweep(bench: BenchSystem, options: SweepOptions): Promise<SweepResult> {
  const { rooms, membersPerRoom, transport = 'websocket', direct = false } = options;
  const { name: system } = bench;
  const url = direct ? bench.nodes[0].url : bench.url;
  const scenario =
    (transport === 'websocket' ? 'fanout' : `${transport} sweep`) +
    (direct ? `, ${bench.nodes[0].id} direct` : '');
  progress(
    `${system} ${scenario}: connecting ${rooms * membersPerRoom} ${transport} clients in ${rooms} rooms`,
  );
  const { client, spreadSources } = options;
  const group = await RoomGroup.open({
    url,
    label: 'fanout',
    rooms,
    membersPerRoom,
    transport,
    client,
    spreadSources,
  });
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
  try {
    if (group.connect.failed > 0) {
      progress(`${system} ${scenario}: ${group.connect.failed} clients failed to connect`);
    }
    if (group.connect.connected === 0) {
      result.stoppedBecause = 'no client connected';
      return result;
    }
    let retried = false;
    // Warm-up at the lowest rate: JIT, connection pools, Redis scripts. Not counted.
    await group.run('warmup', options.steps[0], 1000, options.drainMs);
    for (const [i, rate] of options.steps.entries()) {
      if (performance.now() + options.stepMs + options.drainMs > options.deadline) {
        result.stoppedBecause = 'time limit';
        break;
      }
      const label = `${system} ${scenario} step ${i + 1}/${options.steps.length}`;
      progress(`${label}: ${rate} msg/s × ${membersPerRoom} = ${rate * membersPerRoom} deliveries/s`);
      let step = await measuredRun(bench, group, `s${i}`, rate, options.stepMs, options.drainMs, (line) =>
        progress(`${label}: ${line}`),
      );
      let passed = passes(step, options.p99LimitMs);
      if (!passed && !retried && performance.now() + options.stepMs + options.drainMs <= options.deadline) {
        // One hiccup of a shared machine (a GC pause, another process) should not
        // end the sweep: the first failed step of a sweep is measured once more.
        retried = true;
        progress(`${label}: p99 ${step.latency.p99} ms, lost ${step.lost}; measuring this step once more`);
        result.discardedSteps.push(step);
        await sleep(1000);
        step = await measuredRun(bench, group, `s${i}r`, rate, options.stepMs, options.drainMs, (line) =>
          progress(`${label} (again): ${line}`),
        );
        passed = passes(step, options.p99LimitMs);
      }
      result.steps.push({ ...step, passed });
      progress(
        `${label}: p50 ${step.latency.p50} ms, p99 ${step.latency.p99} ms, max ${step.latency.max} ms, ` +
          `lost ${step.lost}; CPU nodes ${step.systemCpu.nodes}%, redis ${step.systemCpu.redis}%, ` +
          `nginx ${step.systemCpu.nginx}%, clients ${step.cpu.benchProcessPercent}%` +
          `${passed ? '' : ' → limit reached'}`,
      );
      if (passed) result.bestDeliveriesPerSec = Math.max(result.bestDeliveriesPerSec, step.deliveriesPerSec);
      else {
        result.stoppedBecause =
          step.lost > 0
            ? `lost ${step.lost} deliveries`
            : `p99 ${step.latency.p99} ms > ${options.p99LimitMs}`;
        break;
      }
      await sleep(500);
    }
    return result;
  } finally {
    group.close();
  }
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
