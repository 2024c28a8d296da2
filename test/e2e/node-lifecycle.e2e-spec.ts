import { connect, type Socket } from 'node:net';
import { Redis } from 'ioredis';
import { WebSocket } from 'ws';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  connectChat,
  ManagedProcess,
  NODE_ENTRY,
  nextEvent,
  spawnNode,
  startNode,
  startRedis,
  TEST_CLUSTER_SECRET,
  waitFor,
  type TestNode,
  type TestRedis,
} from '../harness/index.js';

describe('a node started with a bad configuration', () => {
  it.each([
    [{ PORT: 'eighty' }, /PORT must be a whole number from 1 to 65535 \(got "eighty"\)/],
    [{ NODE_ID: '' }, /NODE_ID must be .* \(it is not set\)/],
    [{ CLUSTER_SECRET: 'short' }, /CLUSTER_SECRET must be at least 16 characters/],
    [{ REDIS_URL: 'localhost:6379' }, /REDIS_URL must be a URL starting with redis:\/\/ or rediss:\/\//],
    [{ LOG_LEVEL: 'chatty' }, /LOG_LEVEL must be one of error, warn, info, debug, trace/],
  ])('exits non-zero naming the variable: %j', async (override, expected) => {
    const node = spawnNode('bad-config', {
      NODE_ID: 'nodeX',
      PORT: '3999',
      CLUSTER_SECRET: TEST_CLUSTER_SECRET,
      ...override,
    });
    const { code } = await node.exited;
    expect(code).toBe(2);
    expect(node.lines).toHaveLength(1);
    expect(node.lines[0]).toMatch(/^\[(nodeX|chat-node)\] invalid configuration: /);
    expect(node.lines[0]).toMatch(expected);
  });

  it('prints its variables for --help and exits 0', async () => {
    const node = new ManagedProcess('help', process.execPath, [NODE_ENTRY, '--help']);
    expect((await node.exited).code).toBe(0);
    for (const name of ['NODE_ID', 'CLUSTER_SECRET', 'REDIS_URL', 'LOG_FORMAT', 'SHUTDOWN_TIMEOUT_MS']) {
      expect(node.output()).toContain(name);
    }
  });
});

/**
 * Teardown of a node whose Redis the next test shares: SIGTERM, and once it has
 * left the ring (or failed to), SIGKILL. Its 2 s connection linger, which the
 * test's own keep-alive connections would otherwise sit through, is cut; its
 * membership is not left behind for the next test's node to see.
 */
async function stopOnceLeft(node: TestNode): Promise<void> {
  if (!node.process.running) return;
  node.process.kill('SIGTERM');
  const left = new RegExp(`\\b${node.id} left\\b|could not leave the ring`);
  await node.process.waitForLine(left, 5000).catch(() => undefined);
  node.process.kill('SIGKILL');
  await node.process.exited;
}

describe('a running node', () => {
  let redis: TestRedis;
  let node: TestNode | undefined;

  beforeAll(async () => {
    redis = await startRedis();
  });
  afterEach(async () => {
    if (node) await stopOnceLeft(node);
    node = undefined;
  });
  afterAll(async () => {
    await redis?.stop();
  });

  it('stamps x-node on every response and answers its probes', async () => {
    node = await startNode({ id: 'probe1', redisUrl: redis.url });
    for (const path of ['/healthz', '/readyz', '/no-such-page', '/socket.io/?EIO=4&transport=polling']) {
      const response = await fetch(`${node.url}${path}`);
      expect(response.headers.get('x-node'), path).toBe('probe1');
    }
    const ready = await fetch(`${node.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({
      status: 'ready',
      node: 'probe1',
      problems: [],
    });
  });

  it('reports not ready while Redis is away, and ready again when it is back', async () => {
    const ownRedis = await startRedis();
    node = await startNode({ id: 'probe2', redisUrl: ownRedis.url });
    await ownRedis.stop();
    const down = await waitFor('readyz to turn 503', async () => {
      const response = await fetch(`${node!.url}/readyz`);
      return response.status === 503 ? response : undefined;
    });
    expect(await down.json()).toMatchObject({
      status: 'not ready',
      problems: ['redis unreachable'],
    });
    // Still alive: liveness is not readiness.
    expect((await fetch(`${node.url}/healthz`)).status).toBe(200);
    const back = await startRedis({
      port: ownRedis.port,
      dataDir: ownRedis.dataDir,
    });
    try {
      await waitFor(
        'readyz to recover',
        async () => (await fetch(`${node!.url}/readyz`)).status === 200,
        15_000,
      );
    } finally {
      await node.stop();
      node = undefined;
      await back.stop();
    }
  });

  it('logs every engine.io request with its kind and sid, tagged with the node', async () => {
    node = await startNode({
      id: 'tracer',
      redisUrl: redis.url,
      env: { LOG_LEVEL: 'debug' },
    });
    const client = await connectChat(node.url, 'tracy', {
      transports: ['polling', 'websocket'],
    });
    const sid = client.session.sid;
    await client.request('join room', { room: 'trace' });
    await waitFor('the upgrade to WebSocket', () => client.socket.io.engine.transport.name === 'websocket');
    client.close();
    const lines = node.process.lines;
    await node.process.waitForLine(new RegExp(`Received WebSocket upgrade request for ${sid}`));
    expect(
      lines.some((l) =>
        /^\[tracer\] \S+ DEBUG EngineIO - Received new connection request \(polling\)$/.test(l),
      ),
    ).toBe(true);
    expect(lines.some((l) => l.includes(`DEBUG EngineIO - Received poll request for ${sid}`))).toBe(true);
    expect(lines.some((l) => l.includes(`DEBUG EngineIO - Received push request for ${sid}`))).toBe(true);
    // Every line of the node carries its tag.
    expect(lines.filter((l) => !l.startsWith('[tracer] '))).toEqual([]);
  });

  it('writes one JSON object per line with LOG_FORMAT=json', async () => {
    node = await startNode({
      id: 'jsonlog',
      redisUrl: redis.url,
      env: { LOG_FORMAT: 'json' },
    });
    await fetch(`${node.url}/socket.io/?EIO=4&transport=polling`);
    await node.process.waitForLine(/Received new connection request/);
    const records = node.process.lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    for (const record of records) {
      // The five keys of every line first; a line's fields (sid, kind, …) follow them.
      expect(Object.keys(record).slice(0, 5)).toEqual(['node', 'time', 'level', 'context', 'message']);
      expect(record.node).toBe('jsonlog');
    }
    expect(records).toContainEqual(
      expect.objectContaining({
        level: 'debug',
        context: 'EngineIO',
        message: 'Received new connection request (polling)',
        kind: 'handshake',
      }),
    );
  });

  it('shuts down on SIGTERM: clients disconnected, Redis released, exit 0 within seconds', async () => {
    node = await startNode({ id: 'leaver', redisUrl: redis.url });
    const client = await connectChat(node.url, 'stayer', {
      transports: ['websocket'],
    });
    const observer = new Redis(redis.url);
    try {
      const names = async () => ((await observer.client('LIST')) as string).match(/name=\S+/g) ?? [];
      expect(await names()).toContain('name=ringchat:leaver:command');
      const disconnected = nextEvent<[string]>(client.socket, 'disconnect', 5000);
      const started = Date.now();
      node.process.kill('SIGTERM');
      const [reason] = await disconnected;
      const { code } = await node.process.exited;
      const tookMs = Date.now() - started;
      expect(reason).toMatch(/transport close|io server disconnect/);
      expect(code).toBe(0);
      expect(tookMs).toBeLessThan(5000);
      expect(node.process.output()).toMatch(/\[leaver\] .* SIGTERM received: leaving the cluster/);
      expect(node.process.output()).toMatch(/\[leaver\] .* stopped cleanly in \d+ ms/);
      await waitFor('the node to leave Redis', async () =>
        (await names()).every((name) => !name.startsWith('name=ringchat:leaver')),
      );
    } finally {
      client.close();
      observer.disconnect();
    }
  });

  it('leaves in seconds while it relays a WebSocket: the owner moves that session', async () => {
    const owner = await startNode({ id: 'owner1', redisUrl: redis.url });
    node = await startNode({ id: 'relay1', redisUrl: redis.url });
    try {
      await waitFor('relay1 to see owner1', async () => {
        const view = (await (await fetch(`${node!.url}/cluster`)).json()) as { ring: string[] };
        return view.ring.includes('owner1');
      });
      // A session placed on owner1 (polling, so pinned), upgraded through relay1.
      const handshake = await (await fetch(`${owner.url}/socket.io/?EIO=4&transport=polling`)).text();
      const { sid } = JSON.parse(handshake.slice(1)) as { sid: string };
      await waitFor(
        'relay1 to know the pin',
        async () =>
          (
            await fetch(`${node!.url}/socket.io/?EIO=4&transport=polling&sid=${sid}`, {
              method: 'POST',
              body: '6',
            })
          ).ok,
      );
      const socket = new WebSocket(
        `${node.url.replace('http', 'ws')}/socket.io/?EIO=4&transport=websocket&sid=${sid}`,
      );
      await new Promise((resolve, reject) => {
        socket.once('open', resolve);
        socket.once('error', reject);
      });
      socket.send('2probe');
      await nextEvent(socket, 'message');
      socket.send('5');
      const closed = nextEvent(socket, 'close', 10_000);
      const started = Date.now();
      node.process.kill('SIGTERM');
      await closed;
      const { code } = await node.process.exited;
      const tookMs = Date.now() - started;
      console.info(`[leave] relay1 stopped ${tookMs} ms after SIGTERM while relaying a WebSocket`);
      expect(code).toBe(0);
      // Not the drain timeout (30 s): the owner closed the relayed session at relay1's request.
      expect(tookMs).toBeLessThan(5000);
      expect(node.process.output()).toContain(`asking owner1 to move 1 WebSockets relayed here: ${sid}`);
      await owner.process.waitForLine(/relay1 is leaving: closed 1 of 1 sessions whose WebSockets it relays/);
    } finally {
      await owner.stop();
    }
  });

  it('still answers a request sent on an idle keep-alive connection after it stopped accepting', async () => {
    // nginx may put a request on a pooled connection just as the node leaves;
    // closing idle connections at once would reset it (a 502 for a POST).
    node = await startNode({ id: 'lingerer', redisUrl: redis.url });
    const socket = connect(node.port, '127.0.0.1');
    const answers = new RawAnswers(socket);
    const request = 'GET /healthz HTTP/1.1\r\nHost: lingerer\r\n\r\n';
    socket.write(request);
    expect(await answers.next()).toMatch(/^HTTP\/1\.1 200/);
    node.process.kill('SIGTERM');
    const port = node.port;
    await waitFor('the node to stop accepting connections', () => refusesConnections(port), 5000, 20);
    socket.write(request);
    expect(await answers.next()).toMatch(/^HTTP\/1\.1 200/);
    expect((await node.process.exited).code).toBe(0);
    socket.destroy();
  });
});

/** Complete HTTP answers (Content-Length bodies) read off a raw socket, in order. */
class RawAnswers {
  private buffer = '';
  private closed = false;
  private wake?: () => void;

  constructor(socket: Socket) {
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      this.buffer += chunk;
      this.wake?.();
    });
    socket.on('close', () => {
      this.closed = true;
      this.wake?.();
    });
    socket.on('error', () => undefined);
  }

  async next(): Promise<string> {
    for (;;) {
      const answer = this.take();
      if (answer) return answer;
      if (this.closed)
        throw new Error(`connection closed without an answer (had: ${JSON.stringify(this.buffer)})`);
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }

  private take(): string | undefined {
    const end = this.buffer.indexOf('\r\n\r\n');
    if (end < 0) return undefined;
    const length = Number(/content-length: *(\d+)/i.exec(this.buffer.slice(0, end))?.[1] ?? 0);
    const total = end + 4 + length;
    if (this.buffer.length < total) return undefined;
    const answer = this.buffer.slice(0, total);
    this.buffer = this.buffer.slice(total);
    return answer;
  }
}

function refusesConnections(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = connect(port, '127.0.0.1');
    probe.once('connect', () => {
      probe.destroy();
      resolve(false);
    });
    probe.once('error', () => resolve(true));
  });
}
