import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { nowMs } from './clock.js';
import type { OpenCommand, WorkerCommand, WorkerMessage, WorkerOpened } from './connection-worker.js';
import { progress, sleep } from './progress.js';
import { processTreeRss, rssBytes, type BenchSystem } from './systems.js';

export interface ConnectionsOptions {
  clients: number;
  /** Child processes opening the clients, each an equal share. */
  workers: number;
  /** Attempts in flight per worker. */
  concurrency: number;
  /** Stop opening after this long, ms. */
  openLimitMs: number;
  /** Wait this long after the last connect before reading memory, ms. */
  settleMs: number;
}

export interface NodeMemory {
  node: string;
  sessions: number;
  rssBeforeMiB: number;
  rssAfterMiB: number;
  /** (after − before) / sessions on this node. */
  kibPerConnection: number;
}

export interface ConnectionsResult {
  attempted: number;
  connected: number;
  failed: number;
  skipped: number;
  /** Clients that connected and lost their connection before the end of the scenario. */
  dropped: number;
  errors: Record<string, number>;
  /** From the first attempt to the last connect, all workers together. */
  durationMs: number;
  connectsPerSec: number;
  nodes: NodeMemory[];
  /** Mean over nodes of kibPerConnection, weighted by sessions. */
  kibPerConnection: number;
  nginxRssDeltaMiB: number;
  redisRssDeltaMiB: number;
}

const WORKER = fileURLToPath(new URL('./connection-worker.ts', import.meta.url));
const REGISTER = fileURLToPath(new URL('../register.mjs', import.meta.url));

const MiB = 2 ** 20;

/** Scenario "connections": up to N WebSocket clients across the cluster, memory per connection. */
export async function runConnections(
  system: BenchSystem,
  options: ConnectionsOptions,
): Promise<ConnectionsResult> {
  const before = system.nodes.map((node) => rssBytes(node.pid) ?? 0);
  const nginxBefore = processTreeRss(system.nginxPid) ?? 0;
  const redisBefore = rssBytes(system.redisPid) ?? 0;
  const workers: ChildProcess[] = [];
  const progressByWorker: Array<{ connected: number; failed: number }> = [];
  try {
    const share = Math.ceil(options.clients / options.workers);
    const deadline = nowMs() + options.openLimitMs;
    progress(
      `${system.name} connections: opening ${options.clients} WebSocket clients from ${options.workers} processes`,
    );
    const ticker = setInterval(() => {
      const connected = progressByWorker.reduce((sum, p) => sum + p.connected, 0);
      const failed = progressByWorker.reduce((sum, p) => sum + p.failed, 0);
      progress(`${system.name} connections: ${connected} connected, ${failed} failed`);
    }, 3000);
    const opened = await Promise.all(
      Array.from({ length: options.workers }, (_, w) => {
        const count = Math.max(0, Math.min(share, options.clients - w * share));
        const child = fork(WORKER, [], {
          execArgv: ['--import', REGISTER],
          stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
        });
        workers.push(child);
        progressByWorker[w] = { connected: 0, failed: 0 };
        return new Promise<WorkerOpened>((resolve, reject) => {
          child.on('message', (message: WorkerMessage) => {
            if (message.type === 'progress') progressByWorker[w] = message;
            else if (message.type === 'opened') resolve(message);
          });
          child.once('exit', (code) => reject(new Error(`connection worker ${w} exited (${code})`)));
          const command: OpenCommand = {
            type: 'open',
            url: system.url,
            count,
            concurrency: options.concurrency,
            userPrefix: `conn-w${w}-`,
            timeoutMs: 20_000,
            deadline,
          };
          child.send(command);
        });
      }),
    ).finally(() => clearInterval(ticker));
    const connected = opened.reduce((sum, o) => sum + o.connected, 0);
    const failed = opened.reduce((sum, o) => sum + o.failed, 0);
    const startedAt = Math.min(...opened.map((o) => o.startedAt));
    const finishedAt = Math.max(...opened.map((o) => o.finishedAt));
    progress(
      `${system.name} connections: ${connected} connected, ${failed} failed in ${Math.round(finishedAt - startedAt)} ms; settling`,
    );
    await sleep(options.settleMs);
    const sessions = await Promise.all(system.nodes.map((node) => node.sessions().catch(() => 0)));
    const nodes = system.nodes.map((node, i): NodeMemory => {
      const after = rssBytes(node.pid) ?? 0;
      return {
        node: node.id,
        sessions: sessions[i],
        rssBeforeMiB: round(before[i] / MiB, 1),
        rssAfterMiB: round(after / MiB, 1),
        kibPerConnection: sessions[i] > 0 ? round((after - before[i]) / 1024 / sessions[i], 1) : 0,
      };
    });
    const totalSessions = nodes.reduce((sum, n) => sum + n.sessions, 0);
    const totalDelta = system.nodes.reduce(
      (sum, node, i) => sum + ((rssBytes(node.pid) ?? 0) - before[i]),
      0,
    );
    const dropped = await collectDropped(workers);
    const durationMs = Math.round(finishedAt - startedAt);
    const errors: Record<string, number> = {};
    for (const o of opened) for (const [k, v] of Object.entries(o.errors)) errors[k] = (errors[k] ?? 0) + v;
    return {
      attempted: options.clients,
      connected,
      failed,
      skipped: opened.reduce((sum, o) => sum + o.skipped, 0),
      dropped,
      errors,
      durationMs,
      connectsPerSec: durationMs > 0 ? Math.round((connected * 1000) / durationMs) : 0,
      nodes,
      kibPerConnection: totalSessions > 0 ? round(totalDelta / 1024 / totalSessions, 1) : 0,
      nginxRssDeltaMiB: round(((processTreeRss(system.nginxPid) ?? 0) - nginxBefore) / MiB, 1),
      redisRssDeltaMiB: round(((rssBytes(system.redisPid) ?? 0) - redisBefore) / MiB, 1),
    };
  } finally {
    progress(`${system.name} connections: closing the clients`);
    await Promise.all(workers.map((child) => closeWorker(child)));
    // Give the nodes a moment to tidy up the closed sessions before the next scenario.
    await sleep(2000);
  }
}

/** Connections the workers lost while holding them open (each worker counts its own). */
async function collectDropped(workers: ChildProcess[]): Promise<number> {
  const counts = await Promise.all(
    workers.map(
      (child) =>
        new Promise<number>((resolve) => {
          const timer = setTimeout(() => resolve(0), 5000);
          const onMessage = (message: WorkerMessage): void => {
            if (message.type !== 'count') return;
            clearTimeout(timer);
            child.off('message', onMessage);
            resolve(message.dropped);
          };
          child.on('message', onMessage);
          const command: WorkerCommand = { type: 'count' };
          child.send(command);
        }),
    ),
  );
  return counts.reduce((sum, n) => sum + n, 0);
}

function closeWorker(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    const command: WorkerCommand = { type: 'close' };
    if (child.connected) child.send(command);
    else child.kill('SIGTERM');
  });
}

function round(value: number, digits: number): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}
