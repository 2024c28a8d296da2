import { readFileSync } from 'node:fs';
import { startCluster } from '../test/harness/index.js';
import { measureMessageLatency } from './lib/message-latency.js';
function cpu(): [number, number] { const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number); return [f.reduce((a, b) => a + b, 0), f[3] + f[4]]; }
const cluster = await startCluster({ nodes: 3, nodeEnv: { LOG_LEVEL: 'info' } });
try {
  for (const [transport, clients, rate] of [['polling', 20, 10], ['polling', 20, 20], ['polling', 20, 30], ['polling', 20, 50], ['websocket', 20, 50]] as const) {
    const a = cpu();
    const r = await measureMessageLatency(cluster.url, transport, { clients, messagesPerSecond: rate, durationMs: 4000, warmupMessages: 10, drainMs: 5000 });
    const b = cpu();
    const busy = 1 - (b[1] - a[1]) / (b[0] - a[0]);
    console.log(transport, clients, rate, 'p50', r.latency.p50.toFixed(1), 'p99', r.latency.p99.toFixed(1), 'lost', r.lost, 'cpu busy', (busy * 100).toFixed(0) + '%');
  }
} finally { await cluster.stop(); }
