import { startNode, type StartNodeOptions, type TestNode } from './chat-node.js';
import { startNginx, type TestNginx } from './nginx.js';
import { startRedisCluster, type StartRedisClusterOptions, type TestRedisCluster } from './redis-cluster.js';
import { startRedis, type TestRedis } from './redis-server.js';
import type { TestCertificates } from './tls.js';

export interface TestCluster {
  /** The Redis; against a Redis Cluster, its first server (a master at start). */
  redis: TestRedis;
  /** Set when the nodes run against a Redis Cluster (`redisCluster` option). */
  redisCluster?: TestRedisCluster;
  nodes: TestNode[];
  nginx: TestNginx;
  /** The public URL, through nginx. */
  url: string;
  node(id: string): TestNode;
  /** Starts another node (not yet behind nginx) against the same Redis. */
  addNode(id: string, env?: Record<string, string>): Promise<TestNode>;
  /** Lines of every node's output containing `text`, tagged by node. */
  logsContaining(text: string): string[];
  /** Stops nginx, the nodes (SIGTERM, SIGKILL after TEARDOWN_GRACE_MS) and Redis; safe to call twice. */
  stop(): Promise<void>;
}

export interface StartClusterOptions {
  nodes?: number;
  nodeEnv?: StartNodeOptions['env'];
  /** Start Redis with this password (`requirepass`); nodes get it in REDIS_URL. @default none */
  redisPassword?: string;
  /** Start Redis with TLS only; nodes reach it at `rediss://`, trusting the CA. @default plain TCP */
  redisTls?: TestCertificates;
  /** More redis-server arguments (see startRedis). */
  redisArgs?: string[];
  /** Run the nodes against a Redis Cluster started with these options instead of one Redis. @default one Redis */
  redisCluster?: StartRedisClusterOptions;
  /** How long each node may take to get ready. @default 20000 */
  nodeReadyTimeoutMs?: number;
  /**
   * nginx sends requests whose sid names a node straight to it (the owner hint, as
   * cluster.sh does). @default false: round robin, so routing suites exercise forwarding
   */
  ownerHint?: boolean;
  /**
   * Stop each node gracefully (its full drain and linger) rather than cutting it
   * after TEARDOWN_GRACE_MS: for a node that writes something on exit, such as
   * the benchmark's CPU profiles. @default false
   */
  gracefulStop?: boolean;
}

/**
 * A cluster's stop is teardown: nothing is asserted after it, and its Redis
 * goes with it. A graceful stop holds every node for its 2 s connection linger
 * (even an idle cluster's: the nodes' connections to each other), which the
 * suite's 30-odd clusters would pay for nothing. SIGTERM still comes first (the
 * node leaves the ring); the linger is cut. A test that asserts on a graceful
 * stop stops that node itself (`node.stop()`).
 */
const TEARDOWN_GRACE_MS = 300;

/** Redis, N nodes (node1..nodeN) and nginx in front, all real, on free ports. */
export async function startCluster(options: StartClusterOptions = {}): Promise<TestCluster> {
  const redisCluster = options.redisCluster ? await startRedisCluster(options.redisCluster) : undefined;
  const redis =
    redisCluster?.servers[0] ??
    (await startRedis({
      password: options.redisPassword,
      tls: options.redisTls,
      args: options.redisArgs,
    }));
  // Against a Redis Cluster, REDIS_URL gives only the password.
  const redisEnv: Record<string, string> = redisCluster ? { REDIS_CLUSTER_NODES: redisCluster.seeds } : {};
  const nodeEnv = { ...redisEnv, ...options.nodeEnv };
  const nodes: TestNode[] = [];
  let nginx: TestNginx | undefined;
  const stop = async (): Promise<void> => {
    await nginx?.stop();
    await Promise.all(
      nodes.map((node) => (options.gracefulStop ? node.stop() : node.process.stop(TEARDOWN_GRACE_MS))),
    );
    await (redisCluster ?? redis).stop();
  };
  try {
    const count = options.nodes ?? 3;
    const started = await Promise.allSettled(
      Array.from({ length: count }, (_, i) =>
        startNode({
          id: `node${i + 1}`,
          redisUrl: redis.url,
          env: nodeEnv,
          readyTimeoutMs: options.nodeReadyTimeoutMs,
        }),
      ),
    );
    // Every node that did start is stopped with the rest when another did not.
    for (const result of started) if (result.status === 'fulfilled') nodes.push(result.value);
    const failed = started.find((result) => result.status === 'rejected');
    if (failed) throw failed.reason;
    const owners = nodes.map((node) => ({ id: node.id, address: `127.0.0.1:${node.port}` }));
    nginx = await startNginx(
      owners.map((owner) => owner.address),
      { owners: options.ownerHint ? owners : undefined },
    );
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    redis,
    redisCluster,
    nodes,
    nginx,
    url: nginx.url,
    node: (id) => {
      const found = nodes.find((node) => node.id === id);
      if (!found) throw new Error(`no node ${id}`);
      return found;
    },
    addNode: async (id, env) => {
      const node = await startNode({ id, redisUrl: redis.url, env: { ...nodeEnv, ...env } });
      nodes.push(node);
      return node;
    },
    logsContaining: (text) =>
      nodes.flatMap((node) => node.process.lines.filter((line) => line.includes(text))),
    stop,
  };
}
