import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { ManagedProcess } from './managed-process.js';
import { tempDir } from './paths.js';
import { freePort } from './ports.js';
import type { TestCertificates } from './tls.js';
import { waitFor } from './wait.js';

export interface TestRedis {
  port: number;
  /** With the password in it when the server requires one. */
  url: string;
  password?: string;
  process: ManagedProcess;
  dataDir: string;
  stop(): Promise<void>;
}

export interface StartRedisOptions {
  port?: number;
  dataDir?: string;
  /** Require this password (`requirepass`). @default none */
  password?: string;
  /** Serve TLS only, with these files; the URL is then `rediss://`. @default plain TCP */
  tls?: TestCertificates;
  /** More redis-server arguments, e.g. `['--maxmemory', '2mb', '--maxmemory-policy', 'noeviction']`. */
  args?: string[];
  /** Address to bind and to put in the URL. @default '127.0.0.1' */
  host?: string;
  /** Command that launches redis-server, e.g. inside a network namespace (see ManagedProcessOptions). */
  launcher?: string[];
}

/**
 * A real redis-server on a free loopback port, AOF on, data in a temp folder.
 * Stopped, it starts again with the same `port` and `dataDir` and keeps its data.
 */
export async function startRedis(options: StartRedisOptions = {}): Promise<TestRedis> {
  const port = options.port ?? (await freePort());
  const dataDir = options.dataDir ?? tempDir('redis');
  const { password, tls, host = '127.0.0.1' } = options;
  const args = [
    '--bind',
    host,
    ...(tls === undefined
      ? ['--port', String(port)]
      : [
          '--port',
          '0',
          '--tls-port',
          String(port),
          '--tls-cert-file',
          tls.certFile,
          '--tls-key-file',
          tls.keyFile,
        ]),
    ...(tls === undefined ? [] : ['--tls-ca-cert-file', tls.caFile, '--tls-auth-clients', 'no']),
    '--dir',
    dataDir,
    '--appendonly',
    'yes',
    '--save',
    '',
    '--logfile',
    join(dataDir, 'redis.log'),
    ...(password === undefined ? [] : ['--requirepass', password]),
    ...(options.args ?? []),
  ];
  const proc = new ManagedProcess('redis', 'redis-server', args, { launcher: options.launcher });
  const scheme = tls === undefined ? 'redis' : 'rediss';
  const url = `${scheme}://${password === undefined ? '' : `:${password}@`}${host}:${port}`;
  await proc.readyOrStopped(waitForRedis(host, port, proc, password, tls));
  return { port, url, password, process: proc, dataDir, stop: () => proc.stop() };
}

async function waitForRedis(
  host: string,
  port: number,
  proc: ManagedProcess,
  password: string | undefined,
  tls: TestCertificates | undefined,
): Promise<void> {
  await waitFor(`redis on port ${port}`, async () => {
    if (!proc.running) throw new Error('redis-server exited');
    return withRedisAt(port, { host, password, tls }, async (client) => (await client.ping()) === 'PONG');
  });
}

/** Runs `use` on a fresh connection to the redis-server on `port` that never retries, then closes it. */
export async function withRedisAt<T>(
  port: number,
  options: { host?: string; password?: string; tls?: TestCertificates },
  use: (redis: Redis) => Promise<T>,
): Promise<T> {
  const client = new Redis({
    port,
    host: options.host ?? '127.0.0.1',
    password: options.password,
    tls: options.tls === undefined ? undefined : { ca: readFileSync(options.tls.caFile) },
    lazyConnect: true,
    retryStrategy: () => null,
    maxRetriesPerRequest: 0,
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return await use(client);
  } finally {
    client.disconnect();
  }
}
