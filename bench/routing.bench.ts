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
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startCluster, type TestCluster } from '../test/harness/index.js';
import {
  measureMessageLatency,
  type MessageLatencyOptions,
  type MessageLatencyResult,
} from './lib/message-latency.js';
import { measurePollRoundTrips, type RoundTripOptions, type RoundTripResult } from './lib/poll-round-trip.js';
import { progress } from './lib/progress.js';
import { machineInfo, markdownTable, writeResultFile, type ResultRow } from './lib/report.js';

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

async function main(): Promise<void> {
  const started = new Date();
  stopClusterOnSignals();
  progress(`starting redis-server, ${NODES} nodes (dist/) and nginx`);
  cluster = await startCluster({ nodes: NODES, nodeEnv: NODE_ENV });
  try {
    const nodes = cluster.nodes.map(({ id, url }) => ({ id, url }));
    progress(`scenario A: ${ROUND_TRIPS.samples} requests per variant on ${nodes.map((n) => n.id).join(', ')}`);
    const roundTrips = await measurePollRoundTrips(nodes, ROUND_TRIPS);
    const messages: MessageLatencyResult[] = [];
    for (const transport of ['polling', 'websocket'] as const) {
      messages.push(await measureMessageLatency(cluster.url, transport, MESSAGES));
    }

    const rows = [...roundTrips.map(roundTripRow), ...messages.map(messageRow)];
    process.stdout.write(`${markdownTable(rows)}\n`);
    const file = writeResultFile(RESULTS_DIR, 'routing', started, {
      benchmark: 'routing',
      date: started.toISOString(),
      durationSeconds: Math.round((Date.now() - started.getTime()) / 1000),
      machine: machineInfo(),
      settings: { nodes: NODES, nodeEnv: NODE_ENV, quick: QUICK, roundTrips: ROUND_TRIPS, messages: MESSAGES },
      roundTrips,
      messages,
    });
    progress(`results written to ${relative(process.cwd(), file)}`);
  } finally {
    progress('stopping the cluster');
    await cluster.stop();
  }
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
  process.stderr.write(`[bench] failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
}
