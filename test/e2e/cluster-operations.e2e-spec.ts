import { execFile, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { RingchatClient } from '@app/chat-client';
import { afterAll, describe, expect, it } from 'vitest';
import {
  connectRingchat,
  freePort,
  freePortRange,
  idsIn,
  isPortFree,
  PROJECT_ROOT,
  tempDir,
  waitFor,
} from '../harness/index.js';

// Operating a cluster with ./cluster.sh: the port preflight, command-line errors,
// status and restart of a dead node, Prometheus, merged logs, and a rolling
// restart while clients on both transports chat. One cluster for the file.

const run = promisify(execFile);
const SCRIPT = join(PROJECT_ROOT, 'cluster.sh');
/** Two nodes: one serves while the other restarts; a third would only add time. */
const NODES = 2;
const EVERY_NODE = Array.from({ length: NODES }, (_, i) => i + 1);

interface Outcome {
  output: string;
  code: number;
}

function listening(port: number): Promise<boolean> {
  return isPortFree(port).then((free) => !free);
}

describe('operating the cluster with ./cluster.sh', () => {
  const stateDir = tempDir('ops-state');
  const logDir = tempDir('ops-logs');
  const clients: RingchatClient[] = [];
  const ports = { nginx: 0, node1: 0, redis: 0, prometheus: 0 };
  let env: NodeJS.ProcessEnv = {};

  async function cluster(args: string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<Outcome> {
    try {
      const { stdout, stderr } = await run(SCRIPT, args, { env: { ...env, ...extraEnv }, timeout: 120_000 });
      return { output: `${stdout}${stderr}`, code: 0 };
    } catch (error) {
      const failed = error as { stdout?: string; stderr?: string; code?: number };
      return { output: `${failed.stdout ?? ''}${failed.stderr ?? ''}`, code: failed.code ?? 1 };
    }
  }

  const nodePort = (i: number): number => ports.node1 + i - 1;

  afterAll(async () => {
    for (const client of clients) client.close();
    await cluster(['stop']);
  });

  it('says which word is wrong: an unknown command, extra words, a bad node', async () => {
    env = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      RINGCHAT_STATE_DIR: stateDir,
      RINGCHAT_LOG_DIR: logDir,
    };
    const unknown = await cluster(['bogus']);
    expect(unknown.code).toBe(2);
    expect(unknown.output).toContain('error: unknown command: bogus');
    expect(unknown.output).toContain('rolling-restart');
    for (const args of [
      ['stop', 'extra'],
      ['status', 'now'],
      ['start', '2', 'fast'],
      ['rolling-restart', 'x'],
    ]) {
      const refused = await cluster(args);
      expect(refused.code, args.join(' ')).toBe(2);
      expect(refused.output, args.join(' ')).toMatch(/^error: .*\(got '.*'\)/m);
    }
    const help = await cluster(['--help']);
    for (const word of [
      'start [N] [--monitoring]',
      'restart NODE',
      'rolling-restart',
      'logs [NAME]',
      'PROMETHEUS_PORT',
    ]) {
      expect(help.output).toContain(word);
    }
  });

  it('checks every port before starting anything: a busy one is named with its holder, nothing runs', async () => {
    Object.assign(ports, {
      nginx: await freePort(),
      node1: await freePortRange(NODES),
      redis: await freePort(),
      prometheus: await freePort(),
    });
    env = {
      ...env,
      PORT: String(ports.nginx),
      NODE_BASE_PORT: String(ports.node1),
      REDIS_PORT: String(ports.redis),
      PROMETHEUS_PORT: String(ports.prometheus),
    };
    const squatter: Server = createServer();
    await new Promise<void>((resolve) => squatter.listen(nodePort(2), '127.0.0.1', resolve));
    try {
      const refused = await cluster(['start', String(NODES), '--monitoring']);
      expect(refused.code).not.toBe(0);
      expect(refused.output).toMatch(
        new RegExp(`port ${nodePort(2)} for node2 is already in use by \\S+ \\(pid ${process.pid}\\)`),
      );
      expect(refused.output).toContain('nothing was started');
      for (const port of [ports.redis, ports.nginx, ports.prometheus, nodePort(1)]) {
        expect(await listening(port), `port ${port}`).toBe(false);
      }
      expect(existsSync(join(stateDir, 'state'))).toBe(false);
    } finally {
      await new Promise((resolve) => squatter.close(resolve));
    }
  });

  it('starts with --monitoring: no nginx alert, Prometheus scrapes every node', async () => {
    const started = await cluster(['start', String(NODES), '--monitoring']);
    expect(started.code, started.output).toBe(0);
    expect(started.output).toContain(`prometheus http://127.0.0.1:${ports.prometheus}`);
    expect(readFileSync(join(logDir, 'nginx-error.log'), 'utf8')).not.toMatch(/\[(alert|emerg)\]/);

    type Target = { labels: Record<string, string>; scrapeUrl: string; health: string; lastError: string };
    const prometheus = `http://127.0.0.1:${ports.prometheus}/api/v1`;
    const targets = await waitFor(
      'Prometheus to scrape every node',
      async () => {
        const { data } = (await (await fetch(`${prometheus}/targets`)).json()) as {
          data: { activeTargets: Target[] };
        };
        const up = data.activeTargets.filter((t) => t.health === 'up');
        return up.length === NODES ? data.activeTargets : undefined;
      },
      30_000,
      500,
    );
    const byNode = [...targets].sort((a, b) => a.labels.node.localeCompare(b.labels.node));
    expect(byNode.map((t) => [t.labels.node, t.labels.job, t.scrapeUrl])).toEqual(
      EVERY_NODE.map((i) => [`node${i}`, 'ringchat', `http://127.0.0.1:${nodePort(i)}/metrics`]),
    );
    // The nodes' own series, one per node: each sees every member.
    const { data } = (await (await fetch(`${prometheus}/query?query=ringchat_ring_members`)).json()) as {
      data: { result: Array<{ metric: Record<string, string>; value: [number, string] }> };
    };
    expect(
      data.result.map((r) => [r.metric.node, r.value[1]]).sort(([a], [b]) => a.localeCompare(b)),
    ).toEqual(EVERY_NODE.map((i) => [`node${i}`, String(NODES)]));
  });

  it('warns when started again in another environment, and keeps the cluster as it is', async () => {
    const again = await cluster(['start'], { PORT: String(ports.nginx + 7), LOG_LEVEL: 'debug' });
    expect(again.code, again.output).toBe(0);
    expect(again.output).toContain(`PORT: ${ports.nginx + 7} here, ${ports.nginx} in the running cluster`);
    expect(again.output).toContain('LOG_LEVEL: debug here, unset in the running cluster');
    expect(again.output).toContain(`keeping the running cluster's ${NODES} nodes`);
    expect(again.output).toContain(`ringchat is up: http://localhost:${ports.nginx}`);
  });

  it('names why a node is down and brings it back with restart NODE', async () => {
    const pid = Number(readFileSync(join(stateDir, 'node2.pid'), 'utf8'));
    process.kill(pid, 'SIGKILL');
    const down = await waitFor('status to see node2 down', async () => {
      const status = await cluster(['status']);
      return /^node2\s+down/m.test(status.output) && /killed by signal 9/.test(status.output)
        ? status
        : undefined;
    });
    expect(down.code).toBe(1);
    expect(down.output).toMatch(/last lines of .*node2\.log:\n\s+\[node2\]/);
    expect(down.output).toContain('bring it back: ./cluster.sh restart node2');
    const restarted = await cluster(['restart', 'node2']);
    expect(restarted.code, restarted.output).toBe(0);
    expect(restarted.output).toContain('==> node2 ready');
    expect((await cluster(['status'])).code).toBe(0);
  });

  it('merges every log by time', async () => {
    const { output, code } = await cluster(['logs', '--no-follow']);
    expect(code).toBe(0);
    const lines = output.trim().split('\n');
    expect(lines).toHaveLength(50);
    const sources = new Set(lines.map((line) => /^\[([\w-]+)\] /.exec(line)?.[1]));
    expect(sources).toContain('nginx-access');
    expect([...sources].some((source) => source?.startsWith('node'))).toBe(true);
    // Every line here carries an ISO time (nginx's to the second): in order, to the second.
    const seconds = lines
      .map((line) => /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})/.exec(line)?.[0])
      .filter((time) => time !== undefined)
      .map((time) => Math.floor(Date.parse(time) / 1000));
    expect(seconds.length).toBeGreaterThan(25);
    expect(seconds).toEqual([...seconds].sort((a, b) => a - b));
  });

  it('rolls a restart over every node while clients on both transports chat: nothing acknowledged is lost', async () => {
    const url = `http://127.0.0.1:${ports.nginx}`;
    const transports = [['polling'], ['websocket'], ['polling', 'websocket']] as const;
    for (let i = 0; i < 6; i++) {
      const client = await connectRingchat(url, `roller${i}`, { transports: [...transports[i % 3]] });
      clients.push(client);
      await client.join('rolling');
    }
    // Every live push of a message, per client: a restart must not deliver one twice.
    const pushes = clients.map(() => new Map<string, number>());
    clients.forEach((client, i) =>
      client.socket.on('chat message', ({ id }: { id: string }) =>
        pushes[i].set(id, (pushes[i].get(id) ?? 0) + 1),
      ),
    );
    const acks: Array<Array<{ id: string; at: number }>> = clients.map(() => []);
    let chatting = true;
    const loops = clients.map(async (client, i) => {
      for (let n = 0; chatting; n++) {
        const id = await client.send('rolling', `${client.user} #${n}`);
        acks[i].push({ id, at: Date.now() });
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    });

    // The steps as the script announces them, timed here.
    const steps: Array<{ node: string; from: number; to: number }> = [];
    const rolled = await new Promise<Outcome>((resolve) => {
      const child = spawn(SCRIPT, ['rolling-restart'], { env });
      let output = '';
      let partial = '';
      child.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        const lines = (partial + chunk.toString()).split('\n');
        partial = lines.pop() ?? '';
        for (const line of lines) {
          const match = /^==> (node\d): (out of nginx|back in nginx)/.exec(line);
          if (match?.[2] === 'out of nginx') steps.push({ node: match[1], from: Date.now(), to: 0 });
          else if (match) steps.at(-1)!.to = Date.now();
        }
      });
      child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.once('exit', (code) => resolve({ output, code: code ?? 1 }));
    });
    chatting = false;
    await Promise.all(loops);
    console.info(
      rolled.output
        .split('\n')
        .filter((line) => /stopped in|restarted in|done in/.test(line))
        .join('\n'),
    );
    expect(rolled.code, rolled.output).toBe(0);
    expect(steps.map((s) => s.node)).toEqual(EVERY_NODE.map((i) => `node${i}`));

    // Everyone chatted through every step: each client had a send acknowledged within it.
    for (const step of steps) {
      const silent = clients.filter(
        (_, i) => !acks[i].some((ack) => ack.at >= step.from && ack.at <= step.to),
      );
      expect(
        silent.map((c) => c.user),
        `${step.node}'s step`,
      ).toEqual([]);
    }
    // Every acknowledged message reaches every client, each exactly once.
    const acked = acks.flat().map((ack) => ack.id);
    await waitFor(
      'every client to hold every acknowledged message',
      () => clients.every((client) => acked.every((id) => idsIn(client, 'rolling').includes(id))),
      15_000,
    );
    for (const [i, client] of clients.entries()) {
      const held = idsIn(client, 'rolling');
      expect(new Set(held).size, client.user).toBe(held.length);
      expect(
        [...pushes[i]].filter(([, count]) => count > 1),
        client.user,
      ).toEqual([]);
    }
    expect(acked.length).toBeGreaterThan(6 * steps.length);

    // nginx logs a WebSocket when it closes, naming its node like any request.
    for (const client of clients.splice(0)) client.close();
    await waitFor(
      'nginx to log the closed WebSockets with their node',
      () =>
        readFileSync(join(logDir, 'nginx-access.log'), 'utf8')
          .split('\n')
          .some((line) => line.includes('transport=websocket') && / 101 .* node=node\d /.test(line)),
      10_000,
      200,
    );
  }, 180_000);
});
