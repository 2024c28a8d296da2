import { join } from 'node:path';
import { Redis } from 'ioredis';
import { ManagedProcess } from './managed-process.js';
import { tempDir } from './paths.js';
import { freePort } from './ports.js';
import { waitFor } from './wait.js';

export interface TestRedis {
  port: number;
  url: string;
  process: ManagedProcess;
  dataDir: string;
  stop(): Promise<void>;
}

export interface StartRedisOptions {
  port?: number;
  dataDir?: string;
  /** More redis-server arguments, e.g. `['--maxmemory', '2mb', '--maxmemory-policy', 'noeviction']`. */
  args?: string[];
}

/**
 * A real redis-server on a free loopback port, AOF on, data in a temp folder.
 * Stopped, it starts again with the same `port` and `dataDir` and keeps its data.
 */
export async function startRedis(options: StartRedisOptions = {}): Promise<TestRedis> {
  const port = options.port ?? (await freePort());
  const dataDir = options.dataDir ?? tempDir('redis');
  const proc = new ManagedProcess('redis', 'redis-server', [
    '--bind',
    '127.0.0.1',
    '--port',
    String(port),
    '--dir',
    dataDir,
    '--appendonly',
    'yes',
    '--save',
    '',
    '--logfile',
    join(dataDir, 'redis.log'),
    ...(options.args ?? []),
  ]);
  const url = `redis://127.0.0.1:${port}`;
  await waitForRedis(port, proc);
  return { port, url, process: proc, dataDir, stop: () => proc.stop() };
}

async function waitForRedis(port: number, proc: ManagedProcess): Promise<void> {
  await waitFor(`redis on port ${port}`, async () => {
    if (!proc.running) throw new Error('redis-server exited');
    const client = new Redis({
      port,
      host: '127.0.0.1',
      lazyConnect: true,
      retryStrategy: () => null,
      maxRetriesPerRequest: 0,
    });
    client.on('error', () => undefined);
    try {
      await client.connect();
      return (await client.ping()) === 'PONG';
    } finally {
      client.disconnect();
    }
  });
}
