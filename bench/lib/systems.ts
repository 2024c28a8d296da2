import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  ManagedProcess,
  PROJECT_ROOT,
  freePort,
  startCluster,
  startNginx,
  startRedis,
  waitFor,
  type TestNginx,
  type TestRedis,
} from '../../test/harness/index.js';

/**
 * `ringchat`: as cluster.sh deploys it, nginx sending a request with a sid to the
 * sid's owner; `ringchat-rr`: the same nodes behind plain round robin, every
 * request that lands off its owner routed there by the nodes (for polling
 * clients); `peer`: plain socket.io nodes behind round robin; `sticky`: the
 * peer's nodes behind nginx with address-hash stickiness (for polling clients).
 */
export type SystemName = 'ringchat' | 'ringchat-rr' | 'peer' | 'sticky';

export const SYSTEM_NAMES: readonly SystemName[] = ['ringchat', 'ringchat-rr', 'peer', 'sticky'];

/** Systems that exist for long-polling clients: they run the polling sweep only. */
export const POLLING_ONLY_SYSTEMS: readonly SystemName[] = ['ringchat-rr', 'sticky'];

/** One node of a running system, as the scenarios see it. */
export interface BenchNode {
  id: string;
  url: string;
  pid: number | undefined;
  running(): boolean;
  /** Sessions (engine.io clients) this node hosts right now. */
  sessions(): Promise<number>;
  /** SIGKILL: a crash, no goodbye. */
  crash(): void;
}

/** Redis, nodes and nginx of one system, all on free loopback ports. */
export interface BenchSystem {
  name: SystemName;
  /** Through nginx. */
  url: string;
  nodes: BenchNode[];
  redisPid: number | undefined;
  nginxPid: number | undefined;
  stop(): Promise<void>;
}

const REGISTER = fileURLToPath(new URL('../register.mjs', import.meta.url));
const PEER_NODE = fileURLToPath(new URL('../peer/plain-node.ts', import.meta.url));

/**
 * ringchat as cluster.sh runs it: its own redis-server, the built nodes (dist/)
 * and nginx from the shared template, through the test harness; with `ownerHint`
 * false (`ringchat-rr`), nginx balances every request round robin and the nodes
 * route those that miss their owner.
 */
export async function startRingchat(
  nodes: number,
  nodeEnv: Record<string, string>,
  { readyTimeoutMs, ownerHint = true }: { readyTimeoutMs?: number; ownerHint?: boolean } = {},
): Promise<BenchSystem> {
  // Graceful: a node profiled by --cpu-profile writes its profile as it exits.
  const cluster = await startCluster({
    nodes,
    nodeEnv,
    nodeReadyTimeoutMs: readyTimeoutMs,
    ownerHint,
    gracefulStop: true,
  });
  return {
    name: ownerHint ? 'ringchat' : 'ringchat-rr',
    url: cluster.url,
    redisPid: cluster.redis.process.pid,
    nginxPid: cluster.nginx.process.pid,
    nodes: cluster.nodes.map((node) => ({
      id: node.id,
      url: node.url,
      pid: node.process.pid,
      running: () => node.process.running,
      sessions: async () => {
        const report = (await getJson(`${node.url}/cluster`)) as { sessions: number };
        return report.sessions;
      },
      crash: () => node.process.kill('SIGKILL'),
    })),
    stop: () => cluster.stop(),
  };
}

/**
 * The conventional peer: its own redis-server (the same binary and settings),
 * plain socket.io nodes (bench/peer/plain-node.ts) and the same nginx template;
 * with `sticky`, nginx pins each client address to one node (`hash $remote_addr
 * consistent`), the deployment that serves polling clients without routing.
 */
export async function startPeer(
  count: number,
  env: Record<string, string> = {},
  { sticky = false } = {},
): Promise<BenchSystem> {
  let redis: TestRedis | undefined;
  let nginx: TestNginx | undefined;
  const processes: ManagedProcess[] = [];
  const stop = async (): Promise<void> => {
    await nginx?.stop();
    await Promise.all(processes.map((proc) => proc.stop()));
    await redis?.stop();
  };
  try {
    redis = await startRedis();
    const redisUrl = redis.url;
    const nodes = await Promise.all(
      Array.from({ length: count }, async (_, i): Promise<BenchNode & { port: number }> => {
        const id = `peer${i + 1}`;
        const port = await freePort();
        const url = `http://127.0.0.1:${port}`;
        const proc = new ManagedProcess(id, process.execPath, ['--import', REGISTER, PEER_NODE], {
          cwd: PROJECT_ROOT,
          env: { PATH: process.env.PATH ?? '', ...env, PORT: String(port), REDIS_URL: redisUrl, NODE_ID: id },
        });
        processes.push(proc);
        await waitFor(
          `${id} to be ready`,
          async () => {
            if (!proc.running) throw new Error(`${id} exited:\n${proc.tail()}`);
            const response = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(1000) });
            return response.status === 200;
          },
          20_000,
          100,
        );
        return {
          id,
          url,
          port,
          pid: proc.pid,
          running: () => proc.running,
          sessions: async () => ((await getJson(`${url}/stats`)) as { clients: number }).clients,
          crash: () => proc.kill('SIGKILL'),
        };
      }),
    );
    nginx = await startNginx(
      nodes.map((node) => `127.0.0.1:${node.port}`),
      { stickyByAddress: sticky },
    );
    return {
      name: sticky ? 'sticky' : 'peer',
      url: nginx.url,
      nodes,
      redisPid: redis.process.pid,
      nginxPid: nginx.process.pid,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

async function getJson(url: string): Promise<unknown> {
  const response = await fetch(url, { signal: AbortSignal.timeout(5000) });
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  return response.json();
}

/** Resident memory of a process in bytes (VmRSS), or undefined once it is gone. */
export function rssBytes(pid: number | undefined): number | undefined {
  if (!pid) return undefined;
  try {
    const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** RSS of nginx's master and workers together. */
export function processTreeRss(pid: number | undefined): number | undefined {
  if (!pid) return undefined;
  let total = rssBytes(pid);
  if (total === undefined) return undefined;
  try {
    const children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/);
    for (const child of children.filter(Boolean)) total += rssBytes(Number(child)) ?? 0;
  } catch {
    // No children file: the master alone.
  }
  return total;
}

/** CPU time (user + system) of a process and, optionally, its children, in ms. */
export function cpuMs(pid: number | undefined, withChildren = false): number {
  if (!pid) return 0;
  let total = 0;
  const pids = [pid];
  if (withChildren) {
    try {
      pids.push(
        ...readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
          .trim()
          .split(/\s+/)
          .filter(Boolean)
          .map(Number),
      );
    } catch {
      // The master alone.
    }
  }
  for (const each of pids) {
    try {
      // Fields after the command name (which may hold spaces): state is field 3, utime 14, stime 15.
      const stat = readFileSync(`/proc/${each}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      total += ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
    } catch {
      // Gone.
    }
  }
  return total;
}

/** USER_HZ: 100 on every Linux this runs on. */
const CLOCK_TICKS = 100;

/** How busy each part of a system was, in % of one core (100 = one core all the time). */
export interface SystemCpu {
  nodes: number;
  redis: number;
  nginx: number;
}

/** Starts measuring the CPU the system's processes use; the returned function reads it since. */
export function startSystemCpuMeter(system: BenchSystem): () => SystemCpu {
  const read = (): SystemCpu => ({
    nodes: system.nodes.reduce((sum, node) => sum + (node.running() ? cpuMs(node.pid) : 0), 0),
    redis: cpuMs(system.redisPid),
    nginx: cpuMs(system.nginxPid, true),
  });
  const before = read();
  const startedAt = performance.now();
  return () => {
    const after = read();
    const elapsed = performance.now() - startedAt;
    const percent = (ms: number): number => Math.round((100 * ms) / elapsed);
    return {
      nodes: percent(after.nodes - before.nodes),
      redis: percent(after.redis - before.redis),
      nginx: percent(after.nginx - before.nginx),
    };
  };
}
