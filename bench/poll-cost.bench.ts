/**
 * What one long-polling delivery costs a node, ringchat (as deployed, and with
 * poll batching off: POLL_BATCH_MS=0) against a plain socket.io node: one node
 * of each (no nginx, no forwarding), the same lean polling clients
 * in one room connected straight to it, a fixed send rate well below saturation;
 * the node's CPU time (user + system, from /proc) per 1,000 deliveries, and the
 * engine.io requests and bytes behind them.
 *   usage: npm run bench:poll-cost [-- --clients N --rate MSG_PER_SEC --seconds S
 *                                      --cpu-profile DIR]
 * With --cpu-profile, each node writes a CPU profile into DIR (`node1-*` is
 * ringchat's, `peer*` the plain node's); `node bench/lib/profile-split.mjs DIR`
 * groups it.
 * Prints a table; writes bench/results/poll-cost-<timestamp>.json.
 */
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { LeanPollingClient } from './lib/lean-polling-client.js';
import { progress, sleep } from './lib/progress.js';
import { alignedTable, machineInfo, warnIfBusy, writeResultFile } from './lib/report.js';
import { cpuMs, startPeer, startRingchat, type BenchSystem } from './lib/systems.js';

const { values } = parseArgs({
  options: {
    clients: { type: 'string', default: '30' },
    rate: { type: 'string', default: '150' },
    seconds: { type: 'string', default: '8' },
    'cpu-profile': { type: 'string' },
  },
});
const clients = Number(values.clients);
const rate = Number(values.rate);
const seconds = Number(values.seconds);
for (const [name, value] of Object.entries({ clients, rate, seconds })) {
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} must be a positive integer`);
}

interface Cost {
  system: string;
  deliveries: number;
  expected: number;
  nodeCpuMs: number;
  cpuMsPer1000: number;
  pollAnswers: number;
  pollBytes: number;
}

const ratio = (a: Cost, b: Cost): string => (a.cpuMsPer1000 / b.cpuMsPer1000).toFixed(2);

const sum = <T>(items: T[], of: (item: T) => number): number =>
  items.reduce((total, item) => total + of(item), 0);

/** The nodes' environment that makes each write a CPU profile into `dir`. */
function cpuProfileEnv(dir: string | undefined): Record<string, string> {
  if (!dir) return {};
  mkdirSync(resolve(dir), { recursive: true });
  const profiler = fileURLToPath(new URL('./lib/cpu-profile.mjs', import.meta.url));
  return { NODE_OPTIONS: `--import=${profiler}`, BENCH_CPU_PROFILE_DIR: resolve(dir) };
}

async function measure(system: BenchSystem): Promise<Cost> {
  const node = system.nodes[0];
  const members: LeanPollingClient[] = [];
  let deliveries = 0;
  try {
    for (let i = 0; i < clients; i++) {
      const client = await LeanPollingClient.connect({ url: node.url, auth: { user: `cost-${i}` } });
      client.on('chat message', () => (deliveries += 1));
      await client.emitWithAck('join room', { room: 'cost' }, 10_000);
      members.push(client);
    }
    // Warm-up: JIT, pools, scripts.
    for (let i = 0; i < rate; i++) {
      members[i % clients].emit('chat message', { room: 'cost', message: `warm ${i}` });
      await sleep(1000 / rate);
    }
    await sleep(1500);
    deliveries = 0;
    const pollsBefore = sum(members, (m) => m.pollAnswers);
    const bytesBefore = sum(members, (m) => m.pollBytes);
    const before = cpuMs(node.pid);
    const total = rate * seconds;
    const started = performance.now();
    for (let i = 0; i < total; i++) {
      members[i % clients].emit('chat message', { room: 'cost', message: `m ${i}` });
      const due = started + ((i + 1) * 1000) / rate;
      if (due > performance.now()) await sleep(due - performance.now());
    }
    await sleep(1500);
    const nodeCpuMs = cpuMs(node.pid) - before;
    return {
      system: system.name,
      deliveries,
      expected: total * clients,
      nodeCpuMs,
      cpuMsPer1000: Math.round((nodeCpuMs / Math.max(1, deliveries)) * 10_000) / 10,
      pollAnswers: sum(members, (m) => m.pollAnswers) - pollsBefore,
      pollBytes: sum(members, (m) => m.pollBytes) - bytesBefore,
    };
  } finally {
    for (const client of members) client.close();
  }
}

await warnIfBusy();
const profileEnv = cpuProfileEnv(values['cpu-profile']);
const env = { LOG_LEVEL: 'info', RATE_LIMIT_PER_SEC: '10000', RATE_LIMIT_BURST: '10000', ...profileEnv };
const costs: Cost[] = [];
const systems: Array<[label: string, start: () => Promise<BenchSystem>]> = [
  ['ringchat', () => startRingchat(1, env)],
  ['ringchat, POLL_BATCH_MS=0', () => startRingchat(1, { ...env, POLL_BATCH_MS: '0' })],
  ['peer', () => startPeer(1, profileEnv)],
];
for (const [label, start] of systems) {
  const system = await start();
  try {
    progress(`${label}: ${clients} polling clients in one room, ${rate} msg/s for ${seconds} s`);
    costs.push({ ...(await measure(system)), system: label });
  } finally {
    await system.stop();
  }
}
const table = alignedTable(
  [
    'system (one node)',
    'deliveries',
    'node CPU ms',
    'CPU ms per 1,000 deliveries',
    'poll answers per delivery',
    'bytes per poll answer',
  ],
  costs.map((c) => [
    c.system,
    `${c.deliveries}/${c.expected}`,
    String(c.nodeCpuMs),
    c.cpuMsPer1000.toFixed(1),
    (c.pollAnswers / Math.max(1, c.deliveries)).toFixed(2),
    String(Math.round(c.pollBytes / Math.max(1, c.pollAnswers))),
  ]),
);
console.log(
  `\n${table}\n\n` +
    costs
      .slice(0, -1)
      .map((c) => `${c.system} / plain node, CPU per delivery: ${ratio(c, costs[costs.length - 1])}`)
      .join('\n'),
);
const file = writeResultFile(fileURLToPath(new URL('./results/', import.meta.url)), 'poll-cost', new Date(), {
  machine: machineInfo(),
  settings: { clients, rate, seconds },
  costs,
  table,
});
console.log(`results written to ${file}`);
process.exit(0);
