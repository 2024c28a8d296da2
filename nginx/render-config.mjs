#!/usr/bin/env node
// Renders nginx/nginx.conf.template. Used by cluster.sh and by the test harness,
// so the cluster and the tests run the very same front door.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { hintedOwners, renderOwnerHint, ROUND_ROBIN_GROUP, serverLine } from './owner-hint.mjs';

const TEMPLATE = join(dirname(fileURLToPath(import.meta.url)), 'nginx.conf.template');
/** Files a worker may open when the system allows it; connections take at most half. */
const WANTED_FILE_LIMIT = 65536;

/**
 * The hard limit on open files that nginx will inherit from this process (its parent
 * shares our limits), read from /proc; undefined where there is no /proc.
 */
function inheritedFileLimit() {
  try {
    const line = readFileSync('/proc/self/limits', 'utf8')
      .split('\n')
      .find((text) => text.startsWith('Max open files'));
    const hard = line?.trim().split(/\s+/)[4];
    return hard === undefined || hard === 'unlimited' ? undefined : Number(hard);
  } catch {
    return undefined;
  }
}

/**
 * @param {object} options
 * @param {string} options.prefix  Runtime folder for pid and temp files (created).
 * @param {number} options.port    Port nginx listens on.
 * @param {string[]} options.upstreams  Node addresses, `host:port`.
 * @param {string} options.logDir  Folder for access and error logs.
 * @param {string} [options.listenHost] Listen address. Default 127.0.0.1.
 * @param {number} [options.proxyTimeoutSeconds] Upstream read/send timeout. Default 75.
 * @param {boolean} [options.daemon] Detach from the caller. Default true.
 * @param {number} [options.fileLimit] Open files per worker. Default: 65536, or the
 *   inherited hard limit when lower.
 * @param {boolean} [options.stickyByAddress] Pin each client address to one node (`hash
 *   $remote_addr consistent`), as a sticky-session deployment does; only the benchmark's
 *   peer uses it. Default false: round robin.
 * @param {Array<{ id: string, address: string }>} [options.owners] Node ids and addresses
 *   for the owner hint: a request whose sid starts with `<id>.` goes to that node, the
 *   other upstreams as backups; handshakes and other sids go round robin. Owners whose
 *   address is not an upstream are left out. Default none: round robin for everything.
 * @returns {string} the configuration text
 */
export function renderNginxConfig(options) {
  const { prefix, port, upstreams, logDir } = options;
  if (!upstreams.length) throw new Error('at least one upstream node is required');
  const owners = hintedOwners(options.owners ?? [], upstreams);
  if (owners.length && options.stickyByAddress) throw new Error('owner hints and stickyByAddress exclude each other');
  const tempDir = join(prefix, 'tmp');
  for (const dir of ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) {
    mkdirSync(join(tempDir, dir), { recursive: true });
  }
  mkdirSync(logDir, { recursive: true });
  const fileLimit = Math.min(WANTED_FILE_LIMIT, options.fileLimit ?? inheritedFileLimit() ?? WANTED_FILE_LIMIT);
  const values = {
    // As root, workers would otherwise drop to "nobody" and lose access to our folders.
    USER_DIRECTIVE: process.getuid?.() === 0 ? 'user root;' : '',
    PID_FILE: join(prefix, 'nginx.pid'),
    ERROR_LOG: join(logDir, 'nginx-error.log'),
    ACCESS_LOG: join(logDir, 'nginx-access.log'),
    TEMP_DIR: tempDir,
    DAEMON: options.daemon === false ? 'off' : 'on',
    LISTEN: `${options.listenHost ?? '127.0.0.1'}:${port}`,
    UPSTREAM_SERVERS: upstreams.map((address) => serverLine(address)).join('\n'),
    PROXY_TIMEOUT: `${options.proxyTimeoutSeconds ?? 75}s`,
    FILE_LIMIT: String(fileLimit),
    WORKER_CONNECTIONS: String(Math.min(32768, fileLimit)),
    BALANCE_DIRECTIVE: options.stickyByAddress ? '        hash $remote_addr consistent;' : '',
    OWNER_HINT: owners.length ? renderOwnerHint(owners, upstreams) : '',
    // A variable naming an upstream group needs no resolver.
    PROXY_TARGET: owners.length ? '$ringchat_upstream' : ROUND_ROBIN_GROUP,
  };
  return readFileSync(TEMPLATE, 'utf8').replace(/\{\{(\w+)\}\}/g, (_, name) => {
    if (!(name in values)) throw new Error(`nginx template: no value for {{${name}}}`);
    return values[name];
  });
}

/** Renders into `<prefix>/nginx.conf` and returns that path. */
export function writeNginxConfig(options) {
  mkdirSync(options.prefix, { recursive: true });
  const file = join(options.prefix, 'nginx.conf');
  writeFileSync(file, renderNginxConfig(options));
  return file;
}

// CLI: [LISTEN_HOST=addr] render-config.mjs PREFIX PORT LOG_DIR [NODE_ID=]HOST:PORT ...
// An upstream given as NODE_ID=HOST:PORT also gets the owner hint for that node.
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [prefix, port, logDir, ...nodes] = process.argv.slice(2);
  if (!prefix || !port || !logDir || nodes.length === 0) {
    process.stderr.write('usage: render-config.mjs PREFIX PORT LOG_DIR [NODE_ID=]HOST:PORT ...\n');
    process.exit(2);
  }
  const parsed = nodes.map((node) => {
    const [id, address] = node.includes('=') ? node.split('=', 2) : [undefined, node];
    return { id, address };
  });
  const upstreams = parsed.map(({ address }) => address);
  const owners = parsed.filter(({ id }) => id !== undefined);
  const listenHost = process.env.LISTEN_HOST || undefined;
  process.stdout.write(`${writeNginxConfig({ prefix, port: Number(port), logDir, upstreams, listenHost, owners })}\n`);
}
