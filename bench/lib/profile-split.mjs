// Where the nodes' CPU time went, from the profiles `npm run bench -- --cpu-profile DIR`
// writes: self time of every sampled function, grouped by what the code is (HTTP
// server, forwarding client, HMAC, relay, engine.io, socket.io, Redis client, the
// chat, GC...), per group of profiles (`node*` = ringchat, `peer*` = the peers).
//   usage: node bench/lib/profile-split.mjs DIR
// Plain JavaScript, like cpu-profile.mjs: it reads files and prints a markdown table.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** First match wins: [group, test on the frame's URL and function name]. */
const GROUPS = [
  ['idle', (url, name) => name === '(idle)'],
  ['GC', (url, name) => name === '(garbage collector)'],
  [
    'startup (loading and compiling modules)',
    (url, name) =>
      /node:internal\/modules|cjs-module-lexer/.test(url) ||
      /^(openFileHandle|internalModuleStat|compileSourceTextModule|realpathSync|fstat|readFileUtf8)$/.test(name),
  ],
  [
    'socket writes (system calls, loopback delivery)',
    (url, name) => url === '' && /^(writev|writeUtf8String|writeBuffer|writeLatin1String|writeAsciiString)$/.test(name),
  ],
  ['HMAC, random bytes', (url, name) => /\b(createHmac|Hmac|randomBytes|timingSafeEqual|digest)\b/.test(name)],
  ['peer relay (frames, relayed messages)', (url) => /relay-|relayed-message/.test(url)],
  ['HTTP client (forwarder)', (url) => /_http_client|_http_agent|http-forwarder/.test(url)],
  ['HTTP server and parser', (url, name) => /_http_server|_http_common|_http_incoming|_http_outgoing/.test(url) || /HTTPParser|parserOn/.test(name)],
  ['session routing (router, entry)', (url) => /session-routing/.test(url)],
  ['engine.io', (url) => /engine\.io\//.test(url)],
  ['socket.io and its parser', (url) => /socket\.io(-parser|-adapter)?\/|redis-adapter/.test(url)],
  ['Redis client (ioredis, RESP)', (url) => /ioredis|redis-parser|denque/.test(url)],
  ['ringchat chat, cluster, identity', (url) => /\/libs\/|\/apps\//.test(url)],
  ['streams, events, timers (Node)', (url) => /node:internal\/(streams|events|timers)|node:events|node:stream/.test(url)],
  ['sockets, TCP (Node)', (url) => /node:net|stream_base|tcp_wrap/.test(url)],
  ['program (native, outside JS)', (url, name) => name === '(program)'],
];

function groupOf(frame) {
  const { url, functionName } = frame.callFrame;
  for (const [group, test] of GROUPS) if (test(url, functionName)) return group;
  return 'other JavaScript';
}

function selfTimes(file) {
  const profile = JSON.parse(readFileSync(file, 'utf8'));
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const counts = new Map();
  const deltas = profile.timeDeltas ?? [];
  for (const [i, id] of profile.samples.entries()) {
    const group = groupOf(byId.get(id));
    counts.set(group, (counts.get(group) ?? 0) + (deltas[i + 1] ?? deltas[i] ?? 0));
  }
  return counts;
}

const dir = process.argv[2];
if (!dir) {
  process.stderr.write('usage: node bench/lib/profile-split.mjs DIR\n');
  process.exit(2);
}
const systems = new Map();
for (const name of readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'))) {
  const system = name.startsWith('peer') ? 'peer nodes' : 'ringchat nodes';
  const total = systems.get(system) ?? new Map();
  for (const [group, us] of selfTimes(join(dir, name))) total.set(group, (total.get(group) ?? 0) + us);
  systems.set(system, total);
}
const names = [...systems.keys()].sort((a, b) => a.localeCompare(b));
const busy = (counts) => [...counts].filter(([g]) => g !== 'idle').reduce((sum, [, us]) => sum + us, 0);
/** @type {string[]} */
const rows = [...GROUPS.map(([g]) => String(g)), 'other JavaScript'].filter((g) => g !== 'idle');
const lines = [
  `| group | ${names.map((n) => `${n}: % of busy time`).join(' | ')} |`,
  `|---|${names.map(() => '---').join('|')}|`,
  ...rows.map((group) => {
    const cells = names.map((n) => {
      const counts = systems.get(n);
      return ((100 * (counts.get(group) ?? 0)) / busy(counts)).toFixed(1);
    });
    return `| ${group} | ${cells.join(' | ')} |`;
  }),
  `| busy CPU, s (all nodes) | ${names.map((n) => (busy(systems.get(n)) / 1e6).toFixed(1)).join(' | ')} |`,
];
process.stdout.write(`${lines.join('\n')}\n`);
