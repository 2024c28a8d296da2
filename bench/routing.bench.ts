/**
 * `npm run bench:routing`: what session routing costs.
 *
 *   A. Round trip of polling requests served by the session's owner directly vs
 *      forwarded to it by another node (no nginx in the way).
 *   B. Message latency in one room through nginx: polling-only vs WebSocket clients.
 *
 * Prints a markdown table on stdout, progress on stderr, and writes the summary
 * with machine details to bench/results/routing-<timestamp>.json. A benchmark,
 * not a test: it asserts nothing about the numbers. See bench/README.md.
 *
 * Runs on a real cluster from the test harness: redis-server, three built nodes
 * (dist/) and nginx on free loopback ports. Add `--quick` for a short smoke run
 * whose numbers mean little.
 */
import { existsSync } from 'node:fs';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NODE_ENTRY, startCluster, type TestCluster } from '../test/harness/index.js';
import {
  measureMessageLatency,
  type MessageLatencyOptions,
  type MessageLatencyResult,
} from './lib/message-latency.js';
import { measurePollRoundTrips, type RoundTripOptions, type RoundTripResult } from './lib/poll-round-trip.js';
import { progress } from './lib/progress.js';
import {
  machineInfo,
  markdownTable,
  startCpuMeter,
  warnIfBusy,
  writeResultFile,
  type CpuUse,
  type ResultRow,
} from './lib/report.js';

const QUICK = process.argv.includes('--quick');
const NODES = 3;
// Per-request debug lines would cost more than some of the requests measured.
const NODE_ENV = { LOG_LEVEL: 'info' };

const ROUND_TRIPS: RoundTripOptions = QUICK ? { samples: 200, warmup: 50 } : { samples: 2000, warmup: 200 };

const MESSAGES: MessageLatencyOptions = {
  clients: 20,
  messagesPerSecond: 50,
  durationMs: QUICK ? 2000 : 10_000,
  warmupMessages: 25,
  drainMs: 5000,
};

const RESULTS_DIR = fileURLToPath(new URL('./results/', import.meta.url));

let cluster: TestCluster | undefined;

interface Measurements {
  roundTrips: RoundTripResult[];
  messages: MessageLatencyResult[];
  /** CPU use during each scenario. */
  cpu: Record<string, CpuUse>;
}

async function main(): Promise<void> {
  if (!existsSync(NODE_ENTRY)) {
    throw new Error(`${NODE_ENTRY} is missing: build first (npm run build), or use npm run bench:routing`);
  }
  stopClusterOnSignals();
  const started = new Date();
  const machine = { ...machineInfo(), cpuBusyPercentBeforeStart: await warnIfBusy() };
  progress(`starting redis-server, ${NODES} nodes (dist/) and nginx`);
  cluster = await startCluster({ nodes: NODES, nodeEnv: NODE_ENV });
  try {
    const measured = await measure(cluster);
    const rows = [...measured.roundTrips.map(roundTripRow), ...measured.messages.map(messageRow)];
    process.stdout.write(`${markdownTable(rows)}\n`);
    const file = writeResultFile(RESULTS_DIR, 'routing', started, {
      benchmark: 'routing',
      date: started.toISOString(),
      durationSeconds: Math.round((Date.now() - started.getTime()) / 1000),
      machine,
      settings: {
        nodes: NODES,
        nodeEnv: NODE_ENV,
        quick: QUICK,
        roundTrips: ROUND_TRIPS,
        messages: MESSAGES,
      },
      ...measured,
    });
    progress(`results written to ${relative(process.cwd(), file)}`);
  } finally {
    progress('stopping the cluster');
    await cluster.stop();
  }
}

async function measure(running: TestCluster): Promise<Measurements> {
  const nodes = running.nodes.map(({ id, url }) => ({ id, url }));
  const cpu: Record<string, CpuUse> = {};
  progress(`scenario A: ${ROUND_TRIPS.samples} requests per variant on ${nodes.map((n) => n.id).join(', ')}`);
  let cpuUse = startCpuMeter();
  const roundTrips = await measurePollRoundTrips(nodes, ROUND_TRIPS);
  cpu.roundTrips = cpuUse();
  const messages: MessageLatencyResult[] = [];
  for (const transport of ['polling', 'websocket'] as const) {
    cpuUse = startCpuMeter();
    messages.push(await measureMessageLatency(running.url, transport, MESSAGES));
    cpu[`messages-${transport}`] = cpuUse();
  }
  return { roundTrips, messages, cpu };
}

function roundTripRow(result: RoundTripResult): ResultRow {
  const route = result.route === 'direct' ? 'owner direct' : 'forwarded by non-owner';
  return { scenario: 'A poll round trip', variant: `${result.request}, ${route}`, latency: result.latency };
}

function messageRow(result: MessageLatencyResult): ResultRow {
  return {
    scenario: 'B message via nginx',
    variant: `${result.transport}-only, ${MESSAGES.clients} clients`,
    latency: result.latency,
    lost: result.lost,
  };
}

/**
 * Ctrl-C (or SIGTERM) still tears the cluster down. A second signal leaves at
 * once; the harness SIGKILLs whatever it started when this process exits.
 */
function stopClusterOnSignals(): void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals, code: number): void => {
    if (stopping) process.exit(code);
    stopping = true;
    progress(`${signal}: stopping the cluster`);
    void Promise.resolve(cluster?.stop()).finally(() => process.exit(code));
  };
  process.on('SIGINT', () => onSignal('SIGINT', 130));
  process.on('SIGTERM', () => onSignal('SIGTERM', 143));
}

try {
  await main();
} catch (error) {
  process.stderr.write(
    `[bench] failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exitCode = 1;
}
