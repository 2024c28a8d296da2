import { Cluster, type Redis } from 'ioredis';
import { ManagedProcess } from './managed-process.js';
import { tempDir } from './paths.js';
import { freePort } from './ports.js';
import { startRedis, withRedisAt, type TestRedis } from './redis-server.js';
import { waitFor } from './wait.js';

export interface StartRedisClusterOptions {
  /** Every node requires it (`requirepass`, and `masterauth` for its replicas). */
  password: string;
  /** Masters; each gets `replicasPerMaster` replicas. @default 3 */
  masters?: number;
  /** @default 1 */
  replicasPerMaster?: number;
  /**
   * `cluster-node-timeout`: a master silent this long is failed over. Low, so a
   * failover test takes seconds. @default 1500
   */
  nodeTimeoutMs?: number;
}

export interface TestRedisCluster {
  /** Every redis-server, in creation order (the first `masters` start as masters). */
  servers: TestRedis[];
  /** `host:port,…` of every node, for REDIS_CLUSTER_NODES. */
  seeds: string;
  /** A REDIS_URL carrying the password (its host is one of the seeds). */
  url: string;
  password: string;
  /** The server that is master of `key`'s slot now. */
  masterOf(key: string): Promise<TestRedis>;
  /** Waits until every running node says `cluster_state:ok` and agrees on the masters. */
  waitHealthy(timeoutMs?: number): Promise<void>;
  /** Starts a stopped or killed server again, same port and data: it rejoins the cluster. */
  restart(server: TestRedis): Promise<TestRedis>;
  /** A cluster client for the test's own reads (closed by `stop`). */
  client(): Cluster;
  stop(): Promise<void>;
}

/**
 * A real Redis Cluster on free loopback ports: `masters × (1 + replicasPerMaster)`
 * redis-servers (cluster bus on a port of its own), joined with
 * `redis-cli --cluster create`, healthy before this resolves.
 */
export async function startRedisCluster(options: StartRedisClusterOptions): Promise<TestRedisCluster> {
  const masters = options.masters ?? 3;
  const replicas = options.replicasPerMaster ?? 1;
  const { password } = options;
  const servers: TestRedis[] = [];
  const clients: Cluster[] = [];
  const stop = async (): Promise<void> => {
    for (const client of clients.splice(0)) client.disconnect();
    await Promise.all(servers.map((server) => server.stop()));
  };
  const argsOf = new Map<string, string[]>();
  const start = (dataDir: string, port?: number) =>
    startRedis({ password, dataDir, port, args: argsOf.get(dataDir) });
  try {
    const count = masters * (1 + replicas);
    servers.push(
      ...(await Promise.all(
        Array.from({ length: count }, async () => {
          const dataDir = tempDir('redis-cluster');
          argsOf.set(dataDir, [
            '--cluster-enabled',
            'yes',
            '--cluster-config-file',
            `${dataDir}/nodes.conf`,
            '--cluster-node-timeout',
            String(options.nodeTimeoutMs ?? 1500),
            '--cluster-port',
            String(await freePort()),
            '--masterauth',
            password,
          ]);
          return start(dataDir);
        }),
      )),
    );
    await createCluster(servers, replicas, password);
  } catch (error) {
    await stop();
    throw error;
  }
  const seeds = servers.map((server) => `127.0.0.1:${server.port}`).join(',');
  const running = () => servers.filter((server) => server.process.running);
  const cluster: TestRedisCluster = {
    servers,
    seeds,
    url: servers[0].url,
    password,
    masterOf: async (key) => {
      const port = await withServer(running()[0], password, async (redis) => {
        const slot = await redis.call('CLUSTER', 'KEYSLOT', key);
        const ranges = (await redis.call('CLUSTER', 'SLOTS')) as Array<[number, number, [string, number]]>;
        const range = ranges.find(([from, to]) => Number(slot) >= from && Number(slot) <= to);
        return range?.[2][1];
      });
      const server = servers.find((candidate) => candidate.port === port);
      if (!server) throw new Error(`no master serves ${key}`);
      return server;
    },
    restart: async (server) => {
      const again = await start(server.dataDir, server.port);
      servers[servers.indexOf(server)] = again;
      return again;
    },
    waitHealthy: (timeoutMs = 20_000) => waitHealthy(running, password, masters, timeoutMs),
    client: () => {
      const client = new Cluster(
        servers.map((server) => ({ host: '127.0.0.1', port: server.port })),
        { redisOptions: { password }, slotsRefreshInterval: 500 },
      );
      client.on('error', () => undefined);
      clients.push(client);
      return client;
    },
    stop,
  };
  try {
    await cluster.waitHealthy();
  } catch (error) {
    await stop();
    throw error;
  }
  return cluster;
}

async function createCluster(servers: TestRedis[], replicas: number, password: string): Promise<void> {
  // REDISCLI_AUTH rather than -a: the password stays off the command line.
  const create = new ManagedProcess(
    'redis-cli',
    'redis-cli',
    [
      '--cluster',
      'create',
      ...servers.map((server) => `127.0.0.1:${server.port}`),
      '--cluster-replicas',
      String(replicas),
      '--cluster-yes',
    ],
    { env: { PATH: process.env.PATH ?? '', REDISCLI_AUTH: password } },
  );
  const { code } = await create.exited;
  if (code !== 0) throw new Error(`redis-cli --cluster create failed:\n${create.tail()}`);
}

/** Every running node reports the cluster ok and sees `masters` running masters serving the slots. */
async function waitHealthy(
  servers: () => TestRedis[],
  password: string,
  masters: number,
  timeoutMs: number,
): Promise<void> {
  await waitFor(
    'the Redis Cluster to be healthy',
    async () => {
      const up = servers();
      const ports = new Set(up.map((server) => server.port));
      for (const server of up) {
        const healthy = await withServer(server, password, async (redis) => {
          const info = String(await redis.call('CLUSTER', 'INFO'));
          const ranges = (await redis.call('CLUSTER', 'SLOTS')) as Array<[number, number, [string, number]]>;
          const serving = new Set(ranges.map((range) => range[2][1]));
          // Every slot served by a running master: a killed one has been failed over.
          return (
            info.includes('cluster_state:ok') &&
            serving.size === masters &&
            [...serving].every((port) => ports.has(port))
          );
        });
        if (!healthy) return false;
      }
      return true;
    },
    timeoutMs,
    100,
  );
}

function withServer<T>(server: TestRedis, password: string, use: (redis: Redis) => Promise<T>): Promise<T> {
  return withRedisAt(server.port, { password }, use);
}
