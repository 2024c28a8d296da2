import { ManagedProcess } from './managed-process.js';
import { NODE_ENTRY, PROJECT_ROOT } from './paths.js';
import { freePort } from './ports.js';
import { waitFor } from './wait.js';

export const TEST_CLUSTER_SECRET = 'test-secret-0123456789abcdef';

/** The warning a node logs when it learns its peers dropped it (paused or cut off): groups seconds, sessions closed. */
export const DROPPED_WARNING =
  /this node was dropped from the ring while paused or cut off \((\d+\.\d) s\); closing (\d+) sessions and rejoining/;

export interface TestNode {
  id: string;
  port: number;
  url: string;
  process: ManagedProcess;
  stop(): Promise<void>;
}

export interface StartNodeOptions {
  id: string;
  redisUrl: string;
  port?: number;
  /** Extra or overriding environment variables. */
  env?: Record<string, string>;
  /** Wait for /readyz before resolving. @default true */
  waitReady?: boolean;
  /** Address to listen on and advertise (HOST, ADVERTISE_URL). @default '127.0.0.1' */
  host?: string;
  /** Command that launches the node, e.g. inside a network namespace (see ManagedProcessOptions). */
  launcher?: string[];
  /** How long to wait for /readyz (many nodes starting at once on a busy machine need more). @default 20000 */
  readyTimeoutMs?: number;
}

/** Spawns the built node with `env` (nothing inherited but PATH), as cluster.sh does. */
export function spawnNode(name: string, env: Record<string, string>, launcher?: string[]): ManagedProcess {
  return new ManagedProcess(name, process.execPath, [NODE_ENTRY], {
    cwd: PROJECT_ROOT,
    env: { PATH: process.env.PATH ?? '', ...env },
    launcher,
  });
}

export async function startNode(options: StartNodeOptions): Promise<TestNode> {
  const port = options.port ?? (await freePort());
  const host = options.host ?? '127.0.0.1';
  const url = `http://${host}:${port}`;
  const proc = spawnNode(
    options.id,
    {
      NODE_ID: options.id,
      PORT: String(port),
      HOST: host,
      REDIS_URL: options.redisUrl,
      ADVERTISE_URL: url,
      CLUSTER_SECRET: TEST_CLUSTER_SECRET,
      LOG_LEVEL: 'debug',
      ...options.env,
    },
    options.launcher,
  );
  const node: TestNode = {
    id: options.id,
    port,
    url,
    process: proc,
    stop: () => proc.stop(),
  };
  if (options.waitReady !== false) await proc.readyOrStopped(waitReady(node, options.readyTimeoutMs));
  return node;
}

export async function waitReady(node: TestNode, timeoutMs = 20_000): Promise<void> {
  await waitFor(
    `${node.id} to be ready`,
    async () => {
      if (!node.process.running) throw new Error(`${node.id} exited:\n${node.process.tail()}`);
      const response = await fetch(`${node.url}/readyz`, {
        signal: AbortSignal.timeout(1000),
      });
      return response.status === 200;
    },
    timeoutMs,
    100,
  );
}
