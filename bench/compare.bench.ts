/**
 * `npm run bench`: ringchat against the conventional setup it replaces — plain
 * socket.io nodes with @socket.io/redis-adapter behind the same nginx (which works
 * for WebSocket-only clients only, having no sticky sessions). The systems are
 * started here, one after the other, each with its own redis-server, nodes and
 * nginx on free loopback ports, and run the same scenarios:
 *
 *   fanout       rooms × members WebSocket clients, send rate stepped up until
 *                p99 > 50 ms or a delivery is lost, then bisected below that step
 *   polling      the fanout sweep with long-polling-only clients: ringchat with the
 *                owner hint and behind plain round robin (ringchat-rr), the sticky
 *                peer (the peer's nodes behind address-hash nginx; the peer serves none)
 *   polling-direct  the same, every client on one node directly: no nginx, no forwarding
 *   transports   a fixed rate with WebSocket-only, polling-only and default clients
 *   connections  up to --max-clients WebSocket clients; connect rate, RSS per connection
 *   failover     a node SIGKILLed under load; recovery time and losses
 *
 * Prints markdown tables on stdout (ratios ringchat/peer), progress on stderr, and
 * writes bench/results/compare-<timestamp>.json and .svg (p99 vs deliveries/s).
 * A benchmark, not a test: it asserts nothing. See docs/benchmarks.md.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { NODE_ENTRY } from '../test/harness/index.js';
import {
  SCENARIO_NAMES,
  sweepCpuTable,
  sweepStepsTable,
  summaryTable,
  type ScenarioName,
  type SystemResults,
} from './lib/compare-report.js';
import { runConnections, type ConnectionsOptions } from './lib/connections.js';
import { runFailover, type FailoverOptions } from './lib/failover.js';
import {
  runSweep,
  runTransports,
  type SweepOptions,
  type SweepResult,
  type TransportOptions,
} from './lib/fanout.js';
import { waitForLingeringSockets } from './lib/lingering-sockets.js';
import { progress, sleep } from './lib/progress.js';
import { machineInfo, startCpuMeter, warnIfBusy, writeResultFile } from './lib/report.js';
import { isScaleRun, runScaleBenchmark } from './lib/scale.js';
import { headlineRatios, pollingCostTable, stickyPollingTable } from './lib/sticky-report.js';
import { lineChartSvg } from './lib/svg-chart.js';
import {
  POLLING_ONLY_SYSTEMS,
  SYSTEM_NAMES,
  startPeer,
  startRingchat,
  type BenchSystem,
  type SystemName,
} from './lib/systems.js';

const HELP = `usage: npm run bench -- [options]

Compares ringchat (nginx with the owner hint, as cluster.sh deploys it) with plain
socket.io + @socket.io/redis-adapter nodes behind round-robin nginx ("peer"); for
polling clients also ringchat behind plain round robin ("ringchat-rr") and the
peer's nodes behind address-hash nginx ("sticky"). Starts each itself
(redis-server, nodes, nginx on free loopback ports), one after the other, and runs
the same scenarios against each. Each sweep steps the rate up to the first step
over p99 50 ms, then bisects 3 more steps (--quick: 1) below it.

options:
  --quick               short smoke run (about 6 minutes): checks the benchmark, not the code
  --scenarios LIST      comma-separated, of: ${SCENARIO_NAMES.join(', ')} (default: all);
                        or "scale" alone: ringchat against itself, room vs broadcast
                        delivery on 3, 6 and 9 nodes (--scenarios scale --help)
  --systems LIST        comma-separated, of: ${SYSTEM_NAMES.join(', ')} (default: all;
                        ringchat-rr, ringchat behind plain round robin without the owner
                        hint, and sticky, the peer behind address-hash nginx, run the
                        polling sweep only)
  --polling-client C    polling sweeps' clients: lean (default; a raw engine.io polling
                        client) or socket.io (socket.io-client, as a cross-check)
  --websocket-client C  fanout sweep's clients: lean (default; a raw engine.io WebSocket
                        client on ws) or socket.io (socket.io-client, as a cross-check)
  --max-clients N       connections scenario: clients to open (default 10000; --quick 1000)
  --nodes N             nodes per system (default 3)
  --time-limit S        start no new scenario or sweep step after S seconds (default 1800;
                        --quick 420); the run is stopped by force at S + 60
  --ringchat-env LIST   extra settings for ringchat's nodes, comma-separated NAME=VALUE
                        (e.g. POLL_BATCH_MS=0 to measure without poll batching)
  --node-options=OPTS   NODE_OPTIONS for every node of every system (write it with "=",
                        as OPTS starts with a dash), e.g.
                        --node-options="--cpu-prof --cpu-prof-dir=/tmp/prof"
                        (a profile per node, written when the node exits)
  --cpu-profile DIR     write a CPU profile of every node into DIR
                        (<node>-<pid>.cpuprofile; open it in Chrome DevTools)
  -h, --help            this text

Output: markdown tables on stdout, progress on stderr,
bench/results/compare-<timestamp>.json and compare-<timestamp>.svg.
`;

interface Settings {
  quick: boolean;
  scenarios: ScenarioName[];
  systems: SystemName[];
  nodes: number;
  timeLimitSec: number;
  nodeEnv: Record<string, string>;
  /** --ringchat-env: settings for ringchat's nodes on top of nodeEnv. */
  ringchatEnv: Record<string, string>;
  nodeOptions: string | undefined;
  cpuProfileDir: string | undefined;
  fanout: Omit<SweepOptions, 'deadline'>;
  polling: Omit<SweepOptions, 'deadline'>;
  pollingDirect: Omit<SweepOptions, 'deadline'>;
  transports: TransportOptions;
  connections: ConnectionsOptions;
  failover: FailoverOptions;
}

/** `NAME=VALUE,NAME=VALUE` as an environment. */
function settingsList(raw: string | undefined): Record<string, string> {
  const env: Record<string, string> = {};
  for (const item of (raw ?? '').split(',').filter((s) => s.trim())) {
    const match = /^\s*([A-Z][A-Z0-9_]*)=(.*)$/.exec(item);
    if (!match) throw new UsageError(`--ringchat-env: "${item}" is not NAME=VALUE`);
    env[match[1]] = match[2].trim();
  }
  return env;
}

function parseSettings(): Settings | undefined {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      scenarios: { type: 'string' },
      systems: { type: 'string' },
      'max-clients': { type: 'string' },
      nodes: { type: 'string' },
      'time-limit': { type: 'string' },
      'node-options': { type: 'string' },
      'ringchat-env': { type: 'string' },
      'cpu-profile': { type: 'string' },
      'polling-client': { type: 'string', default: 'lean' },
      'websocket-client': { type: 'string', default: 'lean' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(HELP);
    return undefined;
  }
  const quick = values.quick;
  const list = <T extends string>(raw: string | undefined, allowed: readonly T[], what: string): T[] => {
    if (!raw) return [...allowed];
    const picked = raw
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    for (const name of picked) {
      if (!allowed.includes(name as T))
        throw new UsageError(`unknown ${what} "${name}" (known: ${allowed.join(', ')})`);
    }
    return allowed.filter((name) => picked.includes(name));
  };
  const integer = (
    raw: string | undefined,
    fallback: number,
    name: string,
    min: number,
    max: number,
  ): number => {
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min || value > max) {
      throw new UsageError(`--${name} must be an integer from ${min} to ${max}`);
    }
    return value;
  };
  const membersPerRoom = 30;
  const clientKind = (name: string): 'lean' | 'socket.io' => {
    const value = values[name as 'polling-client' | 'websocket-client'];
    if (value !== 'lean' && value !== 'socket.io')
      throw new UsageError(`--${name} must be lean or socket.io`);
    return value;
  };
  const pollingClient = clientKind('polling-client');
  // Coarse steps, then bisection between the last that passed and the first that
  // did not: three more steps put the ceiling within an eighth of the gap.
  const bisectSteps = quick ? 1 : 3;
  const pollingSweep: Omit<SweepOptions, 'deadline'> = {
    transport: 'polling',
    rooms: 10,
    membersPerRoom,
    // Finer than fanout's at the low end, where every delivery to a poller is an HTTP
    // exchange; as high at the top, where batched answers carry several each.
    steps: quick
      ? [20, 60]
      : [
          20, 40, 80, 130, 200, 300, 400, 600, 800, 1000, 1300, 1600, 2000, 2500, 3000, 3600, 4300, 5000,
          6000,
        ],
    bisectSteps,
    stepMs: quick ? 2000 : 6000,
    drainMs: quick ? 3000 : 5000,
    p99LimitMs: 50,
    // The same clients for every system, each from its own loopback address so the
    // sticky peer's address hash spreads them.
    client: pollingClient,
    spreadSources: true,
  };
  return {
    quick,
    scenarios: list(values.scenarios, SCENARIO_NAMES, 'scenario'),
    systems: list(values.systems, SYSTEM_NAMES, 'system'),
    nodes: integer(values.nodes, 3, 'nodes', 2, 8),
    timeLimitSec: integer(values['time-limit'], quick ? 420 : 1800, 'time-limit', 30, 7200),
    // Rate limit well above any sender's rate here: the benchmark measures
    // throughput, not the limiter (each sender stays under 20/s up to 6,000 msg/s anyway).
    nodeEnv: { LOG_LEVEL: 'info', RATE_LIMIT_PER_SEC: '10000', RATE_LIMIT_BURST: '10000' },
    ringchatEnv: settingsList(values['ringchat-env']),
    nodeOptions: values['node-options'],
    cpuProfileDir: values['cpu-profile'] ? resolve(values['cpu-profile']) : undefined,
    fanout: {
      rooms: 10,
      membersPerRoom,
      client: clientKind('websocket-client'),
      steps: quick
        ? [200, 800, 2000]
        : [100, 200, 400, 600, 800, 1000, 1300, 1600, 2000, 2500, 3000, 3600, 4300, 5000, 6000],
      bisectSteps,
      stepMs: quick ? 2000 : 6000,
      drainMs: quick ? 3000 : 5000,
      p99LimitMs: 50,
    },
    polling: pollingSweep,
    // The same sweep, every client on the first node: no nginx, no forwarding.
    pollingDirect: { ...pollingSweep, direct: true },
    transports: {
      rooms: 2,
      membersPerRoom,
      messagesPerSec: 100,
      durationMs: quick ? 2000 : 8000,
      drainMs: 5000,
      transports: ['websocket', 'polling', 'default'],
    },
    connections: {
      clients: integer(values['max-clients'], quick ? 1000 : 10_000, 'max-clients', 1, 50_000),
      workers: 2,
      concurrency: 50,
      openLimitMs: quick ? 30_000 : 90_000,
      settleMs: quick ? 1000 : 3000,
    },
    failover: {
      rooms: 2,
      membersPerRoom,
      messagesPerSec: 50,
      beforeKillMs: quick ? 2000 : 4000,
      afterKillMinMs: quick ? 4000 : 10_000,
      afterKillMaxMs: quick ? 15_000 : 30_000,
      drainMs: quick ? 5000 : 10_000,
    },
  };
}

class UsageError extends Error {}

const RESULTS_DIR = fileURLToPath(new URL('./results/', import.meta.url));
const CPU_PROFILER = fileURLToPath(new URL('./lib/cpu-profile.mjs', import.meta.url));

/** Systems running right now: stopped on failure, on Ctrl-C and by the watchdog. */
const running = new Set<BenchSystem>();

async function main(): Promise<void> {
  const settings = parseSettings();
  if (!settings) return;
  if (settings.systems.some((name) => name.startsWith('ringchat')) && !existsSync(NODE_ENTRY)) {
    throw new Error(`${NODE_ENTRY} is missing: build first (npm run build), or use npm run bench`);
  }
  const startedAt = Date.now();
  const deadline = performance.now() + settings.timeLimitSec * 1000;
  stopOnSignalsAndTimeout(settings.timeLimitSec);
  const started = new Date();
  const machine = { ...machineInfo(), cpuBusyPercentBeforeStart: await warnIfBusy() };
  progress(
    `comparing ${settings.systems.join(' and ')}: ${settings.scenarios.join(', ')}` +
      `${settings.quick ? ' (quick)' : ''}; time limit ${settings.timeLimitSec} s`,
  );
  const results: SystemResults[] = [];
  const nodeOptions = extraNodeEnv(settings);
  const cpu: Record<string, ReturnType<ReturnType<typeof startCpuMeter>>> = {};
  for (const name of settings.systems) results.push({ system: name, problems: {} });
  // Scenario by scenario, each system in turn, each on freshly started processes:
  // what one scenario leaves behind (heap, 20,000 closed sockets after the
  // connections storm) must not weigh on the next, nor on one system only.
  for (const scenario of settings.scenarios) {
    for (const result of results) {
      const name = result.system;
      // ringchat-rr and the sticky peer exist for polling clients through nginx;
      // ringchat and the peer cover the rest.
      if (POLLING_ONLY_SYSTEMS.includes(name) && scenario !== 'polling') continue;
      if (performance.now() > deadline) {
        result.problems[scenario] = 'time limit';
        progress(`${name} ${scenario}: skipped, time limit reached`);
        continue;
      }
      progress(`starting ${name} for ${scenario}: redis-server, ${settings.nodes} nodes, nginx`);
      const system = name.startsWith('ringchat')
        ? await startRingchat(
            settings.nodes,
            { ...settings.nodeEnv, ...settings.ringchatEnv, ...nodeOptions },
            { ownerHint: name === 'ringchat' },
          )
        : await startPeer(settings.nodes, nodeOptions, { sticky: name === 'sticky' });
      running.add(system);
      const meter = startCpuMeter();
      try {
        await sleep(1000);
        await runScenario(scenario, system, settings, deadline, result);
        if (scenario !== 'failover' && system.nodes.some((node) => !node.running())) {
          // Numbers from a smaller cluster would not compare.
          throw new Error(`a node died during ${scenario}`);
        }
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        result.problems[scenario] = `failed: ${message.split('\n')[0]}`;
        progress(
          `${name} ${scenario} failed: ${error instanceof Error ? (error.stack ?? message) : message}`,
        );
      } finally {
        cpu[`${name}-${scenario}`] = meter();
        progress(`stopping ${name}`);
        running.delete(system);
        await system.stop();
      }
    }
  }
  const of = (name: SystemName): SystemResults | undefined => results.find((r) => r.system === name);
  const [ringchat, peer] = [of('ringchat'), of('peer')];
  // Polling through nginx: against the sticky peer, as the round-robin peer serves no poller.
  const pollingSystems = [ringchat, of('ringchat-rr'), of('sticky')];
  const stickyTable = stickyPollingTable(pollingSystems);
  const pollingCost = pollingCostTable(pollingSystems);
  const headline = headlineRatios(results);
  const summary = summaryTable(ringchat, peer);
  const steps = sweepStepsTable('fanout', [ringchat, peer]);
  const cpuTable = sweepCpuTable('fanout', [ringchat, peer]);
  const pollingSteps = sweepStepsTable('polling', pollingSystems);
  const pollingCpu = sweepCpuTable('polling', pollingSystems);
  const directSteps = sweepStepsTable('pollingDirect', [ringchat, peer]);
  const directCpu = sweepCpuTable('pollingDirect', [ringchat, peer]);
  const cpuNote = `% of one core (machine: % of all ${machine.cores} cores; clients ms/1k: the generator's CPU ms per 1,000 deliveries)`;
  // Only the sections of the scenarios that ran; the summary and the ratios always.
  const ran = (scenario: ScenarioName): boolean => settings.scenarios.includes(scenario);
  const sections: Array<[title: string, body: string, shown: boolean]> = [
    ['', summary, true],
    [`Fanout steps, WebSocket clients (${settings.fanout.client}; latencies in ms)`, steps, ran('fanout')],
    [`Fanout CPU, ${cpuNote}`, cpuTable, ran('fanout')],
    [
      'Polling through nginx: ringchat with the owner hint, ringchat behind plain round robin, the sticky peer',
      stickyTable,
      ran('polling'),
    ],
    [
      'Polling, CPU ms per 1,000 deliveries (nodes; nodes + nginx + Redis; generator)',
      pollingCost,
      ran('polling'),
    ],
    [
      `Polling sweep steps, long-polling clients (${settings.polling.client}; latencies in ms)`,
      pollingSteps,
      ran('polling'),
    ],
    [`Polling sweep CPU, ${cpuNote}`, pollingCpu, ran('polling')],
    [
      'Polling, one node direct (no nginx, no forwarding), steps (latencies in ms)',
      directSteps,
      ran('polling-direct'),
    ],
    [`Polling, one node direct, CPU, ${cpuNote}`, directCpu, ran('polling-direct')],
    ['', headline, true],
    ['', `ringchat's nodes ran with ${extraSettings(settings) || 'their default settings'}`, true],
  ];
  process.stdout.write(
    `${sections
      .filter(([, , shown]) => shown)
      .map(([title, body]) => (title ? `${title}:\n\n${body}` : body))
      .join('\n\n')}\n`,
  );
  const file = writeResultFile(RESULTS_DIR, 'compare', started, {
    benchmark: 'compare',
    date: started.toISOString(),
    durationSeconds: Math.round((Date.now() - startedAt) / 1000),
    machine,
    settings,
    cpu,
    results,
    tables: {
      summary,
      headline,
      stickyPolling: stickyTable,
      pollingCost,
      fanoutSteps: steps,
      fanoutCpu: cpuTable,
      pollingSteps,
      pollingCpu,
      pollingDirectSteps: directSteps,
      pollingDirectCpu: directCpu,
    },
  });
  const svgFile = file.replace(/\.json$/, '.svg');
  writeFileSync(svgFile, chart(results, settings, `${machine.cores} cores (${machine.cpu})`));
  progress(`results written to ${relative(process.cwd(), file)} and ${relative(process.cwd(), svgFile)}`);
}

/** The --ringchat-env settings, as NAME=VALUE. */
function extraSettings(settings: Settings): string {
  return Object.entries(settings.ringchatEnv)
    .map(([name, value]) => `${name}=${value}`)
    .join(', ');
}

/** NODE_OPTIONS (and the profiler's folder) for the nodes of every system. */
function extraNodeEnv(settings: Settings): Record<string, string> {
  const options = settings.nodeOptions ? [settings.nodeOptions] : [];
  const env: Record<string, string> = {};
  if (settings.cpuProfileDir) {
    mkdirSync(settings.cpuProfileDir, { recursive: true });
    options.push(`--import=${CPU_PROFILER}`);
    env.BENCH_CPU_PROFILE_DIR = settings.cpuProfileDir;
    progress(`CPU profiles of every node go to ${settings.cpuProfileDir}`);
  }
  if (options.length > 0) env.NODE_OPTIONS = options.join(' ');
  return env;
}

async function runScenario(
  scenario: ScenarioName,
  system: BenchSystem,
  settings: Settings,
  deadline: number,
  result: SystemResults,
): Promise<void> {
  switch (scenario) {
    case 'fanout':
      result.fanout = await runSweep(system, { ...settings.fanout, deadline });
      return;
    case 'polling':
      result.polling = await runSweep(system, { ...settings.polling, deadline });
      return;
    case 'polling-direct':
      result.pollingDirect = await runSweep(system, { ...settings.pollingDirect, deadline });
      return;
    case 'transports':
      result.transports = await runTransports(system, settings.transports);
      return;
    case 'connections':
      await waitForLingeringSockets(`${system.name} connections`);
      result.connections = await runConnections(system, {
        ...settings.connections,
        openLimitMs: Math.max(5000, Math.min(settings.connections.openLimitMs, deadline - performance.now())),
      });
      return;
    case 'failover':
      result.failover = await runFailover(system, settings.failover);
      return;
  }
}

/** Each system's lines: WebSocket fanout, polling through nginx, polling on one node direct. */
const LINES: Record<SystemName, { name: string; fanout?: string; polling?: string; direct?: string }> = {
  ringchat: { name: 'ringchat', fanout: '#1f6fd1', polling: '#6a3d9a', direct: '#33a02c' },
  'ringchat-rr': { name: 'ringchat (round robin, routed)', polling: '#cab2d6' },
  peer: { name: 'peer (socket.io + redis-adapter)', fanout: '#e07b00', direct: '#b15928' },
  sticky: { name: 'sticky peer (address-hash nginx)', polling: '#d62728' },
};

function chart(results: SystemResults[], settings: Settings, machine: string): string {
  const { rooms, membersPerRoom } = settings.fanout;
  // In rate order: a bisection's steps ran after the coarse sweep's.
  const points = (sweep: SweepResult | undefined) =>
    (sweep?.steps ?? [])
      .map((s) => ({
        x: s.deliveriesPerSec,
        y: s.latency.p99,
        passed: s.passed,
        rate: s.targetDeliveriesPerSec,
      }))
      .sort((a, b) => a.rate - b.rate);
  const series = results.flatMap((r) => {
    const { name, fanout, polling, direct } = LINES[r.system];
    const lines = [
      { name: `${name}, WebSocket`, color: fanout, points: points(r.fanout) },
      { name: `${name}, long-polling`, color: polling, points: points(r.polling) },
      { name: `${name}, long-polling, one node direct`, color: direct, points: points(r.pollingDirect) },
    ];
    return lines.flatMap(({ color, ...line }) =>
      color && line.points.length > 0 ? [{ ...line, color }] : [],
    );
  });
  return lineChartSvg(series, {
    title: 'Fanout: p99 latency vs deliveries per second',
    subtitle: `${rooms} rooms × ${membersPerRoom} clients; ${settings.nodes} nodes, Redis, nginx and the clients on ${machine}`,
    xLabel: 'deliveries received per second',
    yLabel: 'p99 latency, ms (log scale)',
    limit: { y: 50, label: 'p99 limit 50 ms' },
  });
}

async function stopAll(): Promise<void> {
  const systems = [...running];
  running.clear();
  await Promise.all(systems.map((system) => system.stop().catch(() => undefined)));
}

/**
 * Ctrl-C (or SIGTERM) tears down what is running; a second signal leaves at once
 * (the harness SIGKILLs its processes when this one exits). The watchdog ends a
 * run that overstays its time limit by a minute.
 */
function stopOnSignalsAndTimeout(timeLimitSec: number): void {
  let stopping = false;
  const stop = (why: string, code: number): void => {
    if (stopping) process.exit(code);
    stopping = true;
    progress(`${why}: stopping everything`);
    void stopAll().finally(() => process.exit(code));
  };
  process.on('SIGINT', () => stop('SIGINT', 130));
  process.on('SIGTERM', () => stop('SIGTERM', 143));
  setTimeout(
    () => stop(`over the time limit (${timeLimitSec} s + 60 s)`, 1),
    (timeLimitSec + 60) * 1000,
  ).unref();
}

try {
  // A run of its own (bench/lib/scale.ts): ringchat's two delivery designs, no peer.
  if (isScaleRun(process.argv.slice(2))) await runScaleBenchmark(process.argv.slice(2));
  else await main();
} catch (error) {
  if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
    process.stderr.write(`error: ${(error as Error).message}\n\n${HELP}`);
    process.exitCode = 2;
  } else {
    process.stderr.write(
      `[bench] failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exitCode = 1;
  }
  await stopAll();
}
