/**
 * `npm run bench -- --scenarios scale`: does the data plane grow with the nodes?
 * Many small rooms (the shape of DMs and small teams) on 3, 6 and 9 nodes, once
 * with room-scoped delivery (ROOM_DELIVERY=room: a node receives a room's
 * messages only while it has members there) and once with the earlier broadcast
 * (ROOM_DELIVERY=broadcast: every node receives every message). ringchat against
 * itself, so a run of its own, apart from the comparison with the peer.
 *
 * For each node count and design, on freshly started processes: rooms × 3
 * WebSocket clients through nginx, a fixed send rate for a fixed time; then
 * deliveries/s, Redis-to-node messages per delivery (the nodes' own
 * `roomMessagesReceived`, summed) and node CPU per delivery (above the nodes'
 * idle use, measured just before).
 */
import { availableParallelism } from 'node:os';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { progress, sleep } from './progress.js';
import { alignedTable, machineInfo, warnIfBusy, writeResultFile } from './report.js';
import { RoomGroup, type StepResult } from './room-load.js';
import { startRingchat, startSystemCpuMeter, type BenchSystem } from './systems.js';

export const SCALE_DESIGNS = ['broadcast', 'room'] as const;
export type ScaleDesign = (typeof SCALE_DESIGNS)[number];

export interface ScaleOptions {
  nodeCounts: number[];
  rooms: number;
  membersPerRoom: number;
  /** Messages per second, all rooms together. */
  messagesPerSec: number;
  durationMs: number;
  drainMs: number;
  /** Why `rooms` is below the 2,000 asked for, if it is. */
  scaledDown?: string;
  timeLimitSec: number;
}

export interface ScaleRow {
  nodes: number;
  design: ScaleDesign;
  clients: number;
  deliveriesPerSec: number;
  expected: number;
  received: number;
  lost: number;
  duplicates: number;
  p99Ms: number;
  /** Room messages the nodes received from Redis, summed over nodes. */
  redisToNodeMessages: number;
  redisToNodePerDelivery: number;
  /** CPU of all nodes together above their idle use, microseconds per delivered message. */
  nodeCpuUsPerDelivery: number;
  /** % of one core, all nodes together, while sending and draining. */
  nodesCpuPercent: number;
  /** % of one core, all nodes together, with the clients connected and nothing sent. */
  idleNodesCpuPercent: number;
  redisCpuPercent: number;
}

const FULL_ROOMS = 2000;
const IDLE_MEASURE_MS = 3000;
/** Clients (and nodes) the machine can carry per core without the clients' own CPU deciding the figures. */
const ROOMS_PER_CORE = 250;

export const SCALE_HELP = `usage: npm run bench -- --scenarios scale [options]

ringchat against itself: many rooms of 3 members on 3, 6 and 9 nodes, with
ROOM_DELIVERY=broadcast (every node receives every message) and =room (a node
receives a room only while it has members there).

options:
  --quick            short smoke run: 3 and 6 nodes, 100 rooms, 3 s per design
  --rooms N          rooms of 3 members (default 2000, scaled down below 8 cores)
  --rate N           messages per second, all rooms together (default 300)
  --duration S       seconds of sending per node count and design (default 10)
  --nodes LIST       node counts, comma-separated (default 3,6,9)
  --time-limit S     start no new measurement after S seconds (default 900)
  -h, --help         this text

Output: a markdown table on stdout, progress on stderr,
bench/results/scale-<timestamp>.json.
`;

/** `--scenarios scale` (alone) asks for this run instead of the comparison. */
export function isScaleRun(argv: readonly string[]): boolean {
  const at = argv.findIndex((arg) => arg === '--scenarios' || arg.startsWith('--scenarios='));
  if (at < 0) return false;
  const value = argv[at].includes('=') ? argv[at].slice(argv[at].indexOf('=') + 1) : argv[at + 1];
  const names = (value ?? '').split(',').map((name) => name.trim());
  if (!names.includes('scale')) return false;
  if (names.length > 1) throw new Error('the scale scenario runs alone: --scenarios scale');
  return true;
}

export function parseScaleOptions(argv: string[]): ScaleOptions | undefined {
  const { values } = parseArgs({
    args: argv,
    options: {
      scenarios: { type: 'string' },
      quick: { type: 'boolean', default: false },
      rooms: { type: 'string' },
      rate: { type: 'string' },
      duration: { type: 'string' },
      nodes: { type: 'string' },
      'time-limit': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(SCALE_HELP);
    return undefined;
  }
  const number = (raw: string | undefined, fallback: number, name: string, min: number, max: number) => {
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min || value > max) {
      throw new Error(`--${name} must be an integer from ${min} to ${max}`);
    }
    return value;
  };
  const cores = availableParallelism();
  // 2,000 rooms are 6,000 clients in this process, plus up to 9 nodes: on a small
  // machine the clients' own CPU would decide the figures.
  const affordable = Math.max(100, Math.min(FULL_ROOMS, cores * ROOMS_PER_CORE));
  const rooms = number(values.rooms, values.quick ? 100 : affordable, 'rooms', 1, 20_000);
  const scaledDown =
    values.rooms === undefined && !values.quick && rooms < FULL_ROOMS
      ? `scaled down from ${FULL_ROOMS} to ${rooms} rooms: ${cores} cores here ` +
        `(the clients and up to 9 nodes share them; --rooms ${FULL_ROOMS} to force)`
      : undefined;
  const nodeCounts = (values.nodes ?? (values.quick ? '3,6' : '3,6,9'))
    .split(',')
    .map((raw) => number(raw.trim(), 3, 'nodes', 1, 16));
  return {
    nodeCounts,
    rooms,
    membersPerRoom: 3,
    messagesPerSec: number(values.rate, values.quick ? 100 : 300, 'rate', 1, 100_000),
    durationMs: number(values.duration, values.quick ? 3 : 10, 'duration', 1, 600) * 1000,
    drainMs: 5000,
    scaledDown,
    timeLimitSec: number(values['time-limit'], 900, 'time-limit', 30, 7200),
  };
}

/** Room messages every node received from Redis so far, summed. */
async function roomMessagesReceived(system: BenchSystem): Promise<number> {
  const counts = await Promise.all(
    system.nodes.map(async (node) => {
      const response = await fetch(`${node.url}/cluster`, { signal: AbortSignal.timeout(5000) });
      return ((await response.json()) as { roomMessagesReceived: number }).roomMessagesReceived;
    }),
  );
  return counts.reduce((sum, count) => sum + count, 0);
}

async function measure(
  system: BenchSystem,
  nodes: number,
  design: ScaleDesign,
  options: ScaleOptions,
): Promise<ScaleRow> {
  const { rooms, membersPerRoom, messagesPerSec, durationMs, drainMs } = options;
  progress(`${nodes} nodes, ${design}: connecting ${rooms * membersPerRoom} clients in ${rooms} rooms`);
  const group = await RoomGroup.open({
    url: system.url,
    label: 'scale',
    rooms,
    membersPerRoom,
    transport: 'websocket',
  });
  try {
    if (group.connect.failed > 0) {
      throw new Error(`${group.connect.failed} clients failed: ${JSON.stringify(group.connect.errors)}`);
    }
    // The nodes' own work (heartbeats, presence rounds, idle sockets) grows with
    // their number: measured first, so the CPU per delivery is the delivery's.
    const idleMeter = startSystemCpuMeter(system);
    await sleep(IDLE_MEASURE_MS);
    const idle = idleMeter();
    const receivedBefore = await roomMessagesReceived(system);
    const cpu = startSystemCpuMeter(system);
    const startedAt = performance.now();
    const step: StepResult = await group.run('scale', messagesPerSec, durationMs, drainMs, (line) =>
      progress(`${nodes} nodes, ${design}: ${line}`),
    );
    const elapsedMs = performance.now() - startedAt;
    const used = cpu();
    const redisToNode = (await roomMessagesReceived(system)) - receivedBefore;
    const nodeCpuMs = (Math.max(0, used.nodes - idle.nodes) / 100) * elapsedMs;
    return {
      nodes,
      design,
      clients: group.connected,
      deliveriesPerSec: step.deliveriesPerSec,
      expected: step.expected,
      received: step.received,
      lost: step.lost,
      duplicates: step.duplicates,
      p99Ms: step.latency.p99,
      redisToNodeMessages: redisToNode,
      redisToNodePerDelivery: step.received > 0 ? redisToNode / step.received : NaN,
      nodeCpuUsPerDelivery: step.received > 0 ? (nodeCpuMs * 1000) / step.received : NaN,
      nodesCpuPercent: used.nodes,
      idleNodesCpuPercent: idle.nodes,
      redisCpuPercent: used.redis,
    };
  } finally {
    group.close();
  }
}

export function scaleTable(rows: ScaleRow[]): string {
  const header = [
    'nodes',
    'delivery',
    'deliveries/s',
    'lost',
    'p99 ms',
    'Redis→node msgs / delivery',
    'node CPU µs / delivery',
    'nodes CPU % (idle)',
    'Redis CPU %',
  ];
  const lines = rows.map((row) => [
    String(row.nodes),
    row.design,
    String(row.deliveriesPerSec),
    String(row.lost),
    row.p99Ms.toFixed(1),
    row.redisToNodePerDelivery.toFixed(2),
    row.nodeCpuUsPerDelivery.toFixed(0),
    `${row.nodesCpuPercent} (${row.idleNodesCpuPercent})`,
    String(row.redisCpuPercent),
  ]);
  return alignedTable(header, lines);
}

const RESULTS_DIR = fileURLToPath(new URL('../results/', import.meta.url));

/**
 * ringchat with `nodes` nodes in one design. Nodes loading at once on two busy
 * cores took longer than the harness's usual 20 s to get ready: 4 s a node more.
 */
function startSystem(nodes: number, design: ScaleDesign): Promise<BenchSystem> {
  const env = {
    LOG_LEVEL: 'info',
    RATE_LIMIT_PER_SEC: '10000',
    RATE_LIMIT_BURST: '10000',
    ROOM_DELIVERY: design,
  };
  progress(`starting ringchat with ${nodes} nodes, ROOM_DELIVERY=${design}`);
  return startRingchat(nodes, env, { readyTimeoutMs: 20_000 + nodes * 4000 });
}

/** The whole scale run: every node count, both designs, each on fresh processes. */
export async function runScaleBenchmark(argv: string[]): Promise<void> {
  const options = parseScaleOptions(argv);
  if (!options) return;
  const started = new Date();
  const deadline = performance.now() + options.timeLimitSec * 1000;
  let running: BenchSystem | undefined;
  const stop = (signal: string, code: number): void => {
    progress(`${signal}: stopping everything`);
    void (running?.stop() ?? Promise.resolve()).finally(() => process.exit(code));
  };
  process.once('SIGINT', () => stop('SIGINT', 130));
  process.once('SIGTERM', () => stop('SIGTERM', 143));
  const machine = { ...machineInfo(), cpuBusyPercentBeforeStart: await warnIfBusy() };
  if (options.scaledDown) progress(options.scaledDown);
  const rows: ScaleRow[] = [];
  const problems: string[] = [];
  for (const nodes of options.nodeCounts) {
    for (const design of SCALE_DESIGNS) {
      if (performance.now() > deadline) {
        problems.push(`${nodes} nodes, ${design}: skipped, time limit reached`);
        continue;
      }
      try {
        running = await startSystem(nodes, design);
        await sleep(1000);
        rows.push(await measure(running, nodes, design, options));
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        problems.push(`${nodes} nodes, ${design}: failed: ${message.split('\n')[0]}`);
        progress(`${nodes} nodes, ${design} failed: ${message}`);
      } finally {
        await running?.stop();
        running = undefined;
      }
    }
  }
  const table = scaleTable(rows);
  const { rooms, membersPerRoom, messagesPerSec, durationMs } = options;
  const caption =
    `${rooms} rooms × ${membersPerRoom} WebSocket clients through nginx, ` +
    `${messagesPerSec} msg/s for ${durationMs / 1000} s; ${machine.cores} cores (${machine.cpu})` +
    (options.scaledDown ? `; ${options.scaledDown}` : '');
  process.stdout.write(
    `Scale: ${caption}\n\n${table}\n${problems.map((problem) => `\n- ${problem}`).join('')}\n`,
  );
  const file = writeResultFile(RESULTS_DIR, 'scale', started, {
    benchmark: 'scale',
    date: started.toISOString(),
    machine,
    options,
    rows,
    problems,
    table,
  });
  progress(`results written to ${relative(process.cwd(), file)}`);
}
