import { execFile } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { io } from 'socket.io-client';
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

/**
 * Ports for one start, chosen just before it: ports chosen for an earlier test may
 * since have gone to another test file running alongside.
 */
async function freshPorts(): Promise<NodeJS.ProcessEnv> {
  return {
    PORT: String(await freePort()),
    NODE_BASE_PORT: String(await freePortRange(2)),
    REDIS_PORT: String(await freePort()),
  };
}

/** Running, not merely a zombie waiting for init to reap it. */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

describe('./cluster.sh', () => {
  const stateDir = tempDir('cluster-state');
  const logDir = tempDir('cluster-logs');
  let env: NodeJS.ProcessEnv;

  async function cluster(...args: string[]): Promise<{ stdout: string; code: number }> {
    try {
      const { stdout } = await run(join(PROJECT_ROOT, 'cluster.sh'), args, {
        env,
        timeout: 120_000,
      });
      return { stdout, code: 0 };
    } catch (error) {
      const failed = error as {
        stdout?: string;
        stderr?: string;
        code?: number;
      };
      return {
        stdout: `${failed.stdout ?? ''}${failed.stderr ?? ''}`,
        code: failed.code ?? 1,
      };
    }
  }

  afterAll(async () => {
    await cluster('stop');
  });

  it('starts Redis, two nodes and nginx, reports status, and stops leaving nothing behind', async () => {
    env = {
      ...process.env,
      ...(await freshPorts()),
      RINGCHAT_STATE_DIR: stateDir,
      RINGCHAT_LOG_DIR: logDir,
    };
    const started = await cluster('start', '2');
    expect(started.code, started.stdout).toBe(0);
    expect(started.stdout).toContain('==> starting redis');
    expect(started.stdout).toContain('==> node2 ready');
    expect(started.stdout).toContain(`ringchat is up: http://localhost:${env.PORT}`);

    // Round robin: six requests through nginx reach both nodes.
    const answeredBy = new Set<string>();
    for (let i = 0; i < 6; i++) {
      const response = await fetch(`http://127.0.0.1:${env.PORT}/readyz`);
      expect(response.status).toBe(200);
      answeredBy.add(response.headers.get('x-node') ?? '?');
    }
    expect(answeredBy).toEqual(new Set(['node1', 'node2']));

    const status = await cluster('status');
    expect(status.code, status.stdout).toBe(0);
    for (const name of ['redis', 'node1', 'node2', 'nginx']) {
      expect(status.stdout).toMatch(new RegExp(`^${name}\\s+up\\s+\\d+`, 'm'));
    }

    // Its Redis wants the generated password, which no output and no command line shows.
    const passwordFile = join(stateDir, 'redis-password');
    expect(statSync(passwordFile).mode & 0o777).toBe(0o600);
    const password = readFileSync(passwordFile, 'utf8').trim();
    expect(password.length).toBeGreaterThanOrEqual(16);
    const redisPid = Number(readFileSync(join(stateDir, 'redis.pid'), 'utf8'));
    expect(readFileSync(`/proc/${redisPid}/cmdline`, 'utf8')).not.toContain(password);
    for (const text of [started.stdout, status.stdout, readFileSync(join(logDir, 'node1.log'), 'utf8')]) {
      expect(text).not.toContain(password);
    }
    const anonymous = await run('redis-cli', ['-p', String(env.REDIS_PORT), 'ping']);
    expect(anonymous.stdout).toMatch(/NOAUTH/);
    const admin = new Redis(Number(env.REDIS_PORT), '127.0.0.1', { password });
    try {
      // A full Redis refuses writes instead of evicting stored messages.
      expect(await admin.config('GET', 'maxmemory')).toEqual(['maxmemory', String(256 * 1024 * 1024)]);
      expect(await admin.config('GET', 'maxmemory-policy')).toEqual(['maxmemory-policy', 'noeviction']);
    } finally {
      admin.disconnect();
    }

    // Starting again starts nothing twice.
    const again = await cluster('start', '2');
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('node1 already running');
    expect(again.stdout).toContain('redis already running');

    // The owner hint: a sid naming node2 goes to node2 every time (the prefix is all
    // nginx looks at; node2 then answers "Session ID unknown"); --no-owner-hint spreads it.
    const sidOf = (node: string): string => `${node}.AAAAAAAAAAAAAAAAAAAA`;
    const reachedBy = async (sid: string): Promise<Set<string>> => {
      const nodes = new Set<string>();
      for (let i = 0; i < 4; i++) {
        const url = `http://127.0.0.1:${env.PORT}/socket.io/?EIO=4&transport=polling&sid=${sid}`;
        nodes.add((await fetch(url)).headers.get('x-node') ?? '?');
      }
      return nodes;
    };
    expect(await reachedBy(sidOf('node2'))).toEqual(new Set(['node2']));
    const plain = await cluster('start', '2', '--no-owner-hint');
    expect(plain.code, plain.stdout).toBe(0);
    expect(await reachedBy(sidOf('node2'))).toEqual(new Set(['node1', 'node2']));

    // The node log carries the node's tag.
    expect(readFileSync(join(logDir, 'node2.log'), 'utf8')).toMatch(/^\[node2\] \S+ INFO  Node - listening/m);

    const pids = [...status.stdout.matchAll(/^\S+\s+up\s+(\d+)/gm)].map((m) => Number(m[1]));
    expect(pids).toHaveLength(4);
    const stopped = await cluster('stop');
    expect(stopped.code, stopped.stdout).toBe(0);
    expect(pids.filter(alive)).toEqual([]);
    expect((await cluster('stop')).stdout).toContain('nothing to stop');
    const after = await cluster('status');
    expect(after.code).toBe(1);
  });

  it('keeps acknowledged messages across a restart of its Redis (AOF)', async () => {
    env = { ...env, ...(await freshPorts()) };
    delete env.RINGCHAT_PROFILE;
    expect((await cluster('start', '2')).code).toBe(0);
    const url = `http://127.0.0.1:${env.PORT}`;
    try {
      const writer = await connectRingchat(url, 'keeper');
      await writer.join('vault');
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) ids.push(await writer.send('vault', `kept ${i}`));
      writer.close();

      // Stop the cluster's Redis as an operator would, then let cluster.sh bring it back.
      const redisPid = Number(readFileSync(join(stateDir, 'redis.pid'), 'utf8'));
      process.kill(redisPid, 'SIGTERM');
      await waitFor('redis to stop', () => !alive(redisPid), 20_000);
      const restarted = await cluster('start', '2');
      expect(restarted.code, restarted.stdout).toBe(0);
      expect(restarted.stdout).toContain('==> starting redis');
      expect(restarted.stdout).toContain('node1 already running');

      const reader = await connectRingchat(url, 'reader');
      try {
        await reader.join('vault');
        await waitFor('the history to arrive', () => idsIn(reader, 'vault').length >= 5);
        expect(idsIn(reader, 'vault')).toEqual(ids);
      } finally {
        reader.close();
      }
    } finally {
      expect((await cluster('stop')).code).toBe(0);
    }
  });

  it('starts the protocol-test profile: RINGCHAT_PROFILE=protocol-test ./cluster.sh start', async () => {
    env = { ...env, ...(await freshPorts()), RINGCHAT_PROFILE: 'protocol-test' };
    const started = await cluster('start', '2');
    expect(started.code, started.stdout).toBe(0);
    try {
      const response = await fetch(`http://127.0.0.1:${env.PORT}/socket.io/?EIO=4&transport=polling`);
      const handshake = JSON.parse((await response.text()).slice(1)) as Record<string, unknown>;
      expect(handshake).toMatchObject({ pingInterval: 300, pingTimeout: 200, maxPayload: 1_000_000 });
      const client = io(`http://127.0.0.1:${env.PORT}`, { transports: ['polling'], reconnection: false });
      try {
        const echoed = new Promise<unknown[]>((resolve) =>
          client.once('message-back', (...args) => resolve(args)),
        );
        client.emit('message', 'through', 'cluster.sh');
        expect(await echoed).toEqual(['through', 'cluster.sh']);
      } finally {
        client.close();
      }
    } finally {
      expect((await cluster('stop')).code).toBe(0);
    }
  });

  it('refuses a bad node count with a clear message', async () => {
    const result = await cluster('start', 'many');
    expect(result.code).not.toBe(0);
    expect(result.stdout).toContain("start takes a node count from 1 to 99 (got 'many')");
  });
});
