import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import {
  connectRingchat,
  freePort,
  freePortRange,
  idsIn,
  PROJECT_ROOT,
  tempDir,
  waitFor,
} from '../harness/index.js';

const run = promisify(execFile);

/** The process exists and is no zombie. */
function running(pid: number): boolean {
  try {
    return !/^\S+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

describe('./cluster.sh start --redis-cluster', () => {
  const stateDir = tempDir('cluster-state');
  let env: NodeJS.ProcessEnv = { ...process.env, RINGCHAT_STATE_DIR: stateDir };

  async function script(...args: string[]): Promise<{ stdout: string; code: number }> {
    try {
      const { stdout } = await run(join(PROJECT_ROOT, 'cluster.sh'), args, { env, timeout: 120_000 });
      return { stdout, code: 0 };
    } catch (error) {
      const failed = error as { stdout?: string; stderr?: string; code?: number };
      return { stdout: `${failed.stdout ?? ''}${failed.stderr ?? ''}`, code: failed.code ?? 1 };
    }
  }

  afterAll(async () => {
    await script('stop');
  });

  it('starts a Redis Cluster of 3 masters and 3 replicas, two nodes and nginx; chat works; stop leaves nothing', async () => {
    env = {
      ...env,
      PORT: String(await freePort()),
      NODE_BASE_PORT: String(await freePortRange(2)),
      // Six servers, each with its cluster bus at port + 10000.
      REDIS_PORT: String(await freePortRange(6, [10_000])),
      RINGCHAT_LOG_DIR: tempDir('cluster-logs'),
    };
    const started = await script('start', '2', '--redis-cluster');
    expect(started.code, started.stdout).toBe(0);
    expect(started.stdout).toContain('==> creating the Redis Cluster');
    expect(started.stdout).toContain('==> Redis Cluster ok');
    expect(started.stdout).toContain(`ringchat is up: http://localhost:${env.PORT}`);

    const status = await script('status');
    expect(status.code, status.stdout).toBe(0);
    const roles = [...status.stdout.matchAll(/^redis\d\s+up\s+\d+\s+\d+\s+Redis Cluster (\w+)/gm)].map(
      (m) => m[1],
    );
    expect(roles.sort()).toEqual(['master', 'master', 'master', 'slave', 'slave', 'slave']);

    const url = `http://127.0.0.1:${env.PORT}`;
    const [ann, bob] = await Promise.all([connectRingchat(url, 'ann'), connectRingchat(url, 'bob')]);
    try {
      await Promise.all([ann.join('round-trip'), bob.join('round-trip')]);
      const id = await ann.send('round-trip', 'over the Redis Cluster');
      await waitFor('bob to get the message', () => idsIn(bob, 'round-trip').includes(id));
    } finally {
      ann.close();
      bob.close();
    }

    const pids = [...status.stdout.matchAll(/^\S+\s+up\s+(\d+)/gm)].map((m) => Number(m[1]));
    expect(pids).toHaveLength(9);
    const stopped = await script('stop');
    expect(stopped.code, stopped.stdout).toBe(0);
    expect(pids.filter(running)).toEqual([]);
    expect((await script('status')).code).toBe(1);
  }, 180_000);
});
