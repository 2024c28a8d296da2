import { randomBytes } from 'node:crypto';
import { createServer, request, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemberSignature, asNodeId } from '@app/cluster';
import { PEER_HEADERS, PeerAuth } from '@app/session-routing/peer-auth.js';
import {
  connectChat,
  makeTestCertificates,
  startNode,
  TEST_CLUSTER_SECRET,
  useCluster,
  waitFor,
  waitForEvents,
  type TestNode,
} from '../harness/index.js';

// Where the cluster keeps its member records (the default key prefix).
const MEMBERS = '{ringchat}:members';
const MEMBER_INFO = '{ringchat}:member-info';
const POLLING = { transports: ['polling'] };
// A heartbeat score far in the future: the heartbeat script never expires the record.
const FOREVER = 1e15;

/**
 * An HTTP server that answers everything with a no-op and keeps what it received
 * (under `only`, when given: a spy keeps the engine.io requests, not the relay upgrades).
 */
async function startTrap(only?: string): Promise<{
  url: string;
  requests: Array<{ url: string; headers: IncomingHttpHeaders }>;
  server: Server;
}> {
  const requests: Array<{ url: string; headers: IncomingHttpHeaders }> = [];
  const server = createServer((req, res) => {
    if (!only || req.url?.startsWith(only)) requests.push({ url: req.url ?? '', headers: req.headers });
    req.resume();
    res.end('6');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, requests, server };
}

const randomSid = (): string => randomBytes(15).toString('base64url');
const pollUrl = (sid: string): string => `/socket.io/?EIO=4&transport=polling&sid=${sid}`;

/** One GET straight to a node, with the given headers; resolves with the status. */
function get(node: TestNode, url: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(`${node.url}${url}`, { headers, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });
}

/** The lines in which `node` says it served a request for `sid` as forwarded by `peer`. */
function servedAsForwarded(node: TestNode, sid: string, peer: string): string[] {
  return node.process.lines.filter((line) => line.includes(`request for ${sid} (via ${peer})`));
}

describe('Redis is not a trust root', () => {
  const fixture = useCluster({ nodes: 3 });
  let redis: Redis;
  let trap: Awaited<ReturnType<typeof startTrap>>;

  beforeAll(async () => {
    redis = new Redis(fixture.cluster.redis.url);
    trap = await startTrap();
  });

  afterAll(async () => {
    redis?.disconnect();
    await new Promise((resolve) => trap?.server.close(resolve));
  });

  it('never forwards to a member record written into Redis without the cluster secret', async () => {
    const { cluster } = fixture;
    const forger = new MemberSignature('a-guess-at-the-secret!');
    const forged = (id: string) =>
      forger.seal({ id: asNodeId(id), url: trap.url, startedAt: Date.now(), instance: `forged-${id}` });
    await redis.hset(MEMBER_INFO, 'trap', forged('trap'));
    await redis.zadd(MEMBERS, FOREVER, 'trap');
    // Clients chat through nginx meanwhile; requests for unknown sids go to their ring owner.
    const [alice, bob] = await Promise.all([
      connectChat(cluster.url, 'alice', POLLING),
      connectChat(cluster.url, 'bob', POLLING),
    ]);
    fixture.clients.push(alice, bob);
    await Promise.all([alice.join('trust'), bob.join('trust')]);
    for (let i = 0; i < 10; i++) {
      expect(await alice.request('chat message', { room: 'trust', message: `hello ${i}` })).toMatchObject({
        ok: true,
      });
      for (const node of cluster.nodes) await get(node, pollUrl(randomSid()));
    }
    await waitForEvents(bob, 'chat message', 10);
    alice.close();
    bob.close();
    // Then try to take a live node's place: node2's record, pointing at the trap. (Its
    // sessions are unreachable through the others meanwhile: Redis can still deny service.)
    for (let i = 0; i < 20; i++) {
      await redis.hset(MEMBER_INFO, 'node2', forged('node2'));
      for (const node of cluster.nodes) await get(node, pollUrl(randomSid()));
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    // With the trap on the ring, about a quarter of those 30 requests would have gone to it.
    expect(trap.requests).toEqual([]);
    for (const node of cluster.nodes) {
      const report = (await (await fetch(`${node.url}/cluster`)).json()) as {
        members: Array<{ id: string; url: string }>;
        ring: string[];
      };
      expect(report.members.map((m) => m.id)).not.toContain('trap');
      expect(report.ring).not.toContain('trap');
      expect(report.members.every((m) => m.url !== trap.url)).toBe(true);
    }
    // node2 overwrote the forged record of its id instead of taking it for a rival and leaving.
    expect(cluster.node('node2').process.running).toBe(true);
    await waitFor('node2 back in every view', async () => {
      const reports = await Promise.all(
        cluster.nodes.map(
          async (node) => ((await (await fetch(`${node.url}/cluster`)).json()) as { ring: string[] }).ring,
        ),
      );
      return reports.every((ring) => ring.includes('node2'));
    });
    const warnings = cluster.logsContaining('ignored member record(s) whose signature failed');
    expect(warnings.some((line) => line.includes('"trap"'))).toBe(true);
    await redis.multi().hdel(MEMBER_INFO, 'trap').zrem(MEMBERS, 'trap').exec();
  });

  it('refuses a captured peer header set sent to another node', async () => {
    const { cluster } = fixture;
    // node1 first asks the spy for a relay connection, which it cannot give; its
    // requests then go as signed HTTP requests, the ones captured here.
    const spy = await startTrap('/socket.io/');
    // A member with a valid record (the test knows the secret) whose URL the test serves:
    // node1 forwards real requests to it, with real peer headers.
    const records = new MemberSignature(TEST_CLUSTER_SECRET);
    const record = records.seal({
      id: asNodeId('spy'),
      url: spy.url,
      startedAt: Date.now(),
      instance: 'spy',
    });
    await redis.hset(MEMBER_INFO, 'spy', record);
    await redis.zadd(MEMBERS, FOREVER, 'spy');
    try {
      const node1 = cluster.node('node1');
      await waitFor('spy on the ring', () => node1.process.lines.some((line) => line.includes('spy joined')));
      await waitFor('a request forwarded to the spy', async () => {
        await get(node1, pollUrl(randomSid()));
        return spy.requests.length > 0;
      });
    } finally {
      await redis.multi().hdel(MEMBER_INFO, 'spy').zrem(MEMBERS, 'spy').exec();
      await new Promise((resolve) => spy.server.close(resolve));
    }
    const captured = spy.requests[0];
    expect(captured.headers[PEER_HEADERS.peer]).toBe('node1');
    const sid = new URL(captured.url, 'http://x').searchParams.get('sid') ?? '';
    const peerHeaders = Object.fromEntries(
      Object.values(PEER_HEADERS).map((name) => [name, String(captured.headers[name])]),
    );
    for (const id of ['node2', 'node3']) await get(cluster.node(id), captured.url, peerHeaders);
    // A fresh, genuine signature after the replays: once it shows in the log, the replays would have too.
    const genuine = new PeerAuth({ secret: TEST_CLUSTER_SECRET, self: 'node1' });
    for (const id of ['node2', 'node3']) {
      const url = pollUrl(randomSid());
      await get(cluster.node(id), url, genuine.sign(id, { method: 'GET', url }));
      await waitFor(
        `${id} to log the genuine request`,
        () =>
          servedAsForwarded(cluster.node(id), new URL(url, 'http://x').searchParams.get('sid') ?? '', 'node1')
            .length > 0,
      );
      expect(servedAsForwarded(cluster.node(id), sid, 'node1')).toEqual([]);
    }
  });

  it('accepts a peer header set once: replayed to the same node or sent to another, it is refused', async () => {
    const { cluster } = fixture;
    const [node2, node3] = [cluster.node('node2'), cluster.node('node3')];
    const signer = new PeerAuth({ secret: TEST_CLUSTER_SECRET, self: 'node1' });
    const sid = randomSid();
    const url = pollUrl(sid);
    const headers = signer.sign('node2', { method: 'GET', url });
    await get(node2, url, headers);
    await waitFor(
      'node2 to serve the signed request',
      () => servedAsForwarded(node2, sid, 'node1').length === 1,
    );
    await get(node2, url, headers);
    await get(node3, url, headers);
    await waitFor('node2 to report the replay', () =>
      node2.process.lines.some((line) => line.includes('refused a replayed peer signature (from node1')),
    );
    // A genuine request to node3 after the replay: once it is logged, the replay would have been.
    const check = randomSid();
    await get(node3, pollUrl(check), signer.sign('node3', { method: 'GET', url: pollUrl(check) }));
    await waitFor(
      'node3 to serve the genuine request',
      () => servedAsForwarded(node3, check, 'node1').length === 1,
    );
    expect(servedAsForwarded(node2, sid, 'node1')).toHaveLength(1);
    expect(servedAsForwarded(node3, sid, 'node1')).toEqual([]);
  });
});

describe('a Redis that requires a password', () => {
  const PASSWORD = 'test-redis-password-0123';
  const fixture = useCluster({ nodes: 2, redisPassword: PASSWORD });

  it('carries a chat end to end, and no node ever prints the password', async () => {
    const { cluster } = fixture;
    expect(cluster.redis.url).toContain(`:${PASSWORD}@`);
    const [alice, bob] = await Promise.all([
      connectChat(cluster.url, 'alice', POLLING),
      connectChat(cluster.url, 'bob'),
    ]);
    fixture.clients.push(alice, bob);
    await Promise.all([alice.join('locked'), bob.join('locked')]);
    expect(
      await alice.request('chat message', { room: 'locked', message: 'behind a password' }),
    ).toMatchObject({
      ok: true,
    });
    const [message] = await waitForEvents<{ message: string }>(bob, 'chat message', 1);
    expect(message.message).toBe('behind a password');
    expect(cluster.logsContaining('redisUrl=redis://:***@127.0.0.1:').length).toBe(2);
    expect(cluster.logsContaining(PASSWORD)).toEqual([]);
  });

  it('refuses a node with a wrong password, saying so, without printing it', async () => {
    const { cluster } = fixture;
    const wrong = `redis://:not-the-password-0123@127.0.0.1:${cluster.redis.port}`;
    const node = await startNode({ id: 'node9', redisUrl: wrong, waitReady: false });
    try {
      const exit = await Promise.race([
        node.process.exited,
        new Promise<undefined>((resolve) => setTimeout(resolve, 20_000)),
      ]);
      expect(exit?.code).not.toBe(0);
      expect(exit).toBeDefined();
      expect(node.process.output()).toMatch(
        /Redis refused the credentials; check the password in REDIS_URL \(WRONGPASS/,
      );
      expect(node.process.output()).not.toContain('not-the-password-0123');
    } finally {
      await node.stop();
    }
  });
});

describe('a Redis reached over TLS (rediss://)', () => {
  const certificates = makeTestCertificates();
  const fixture = useCluster({
    nodes: 2,
    redisPassword: 'test-redis-password-0123',
    redisTls: certificates,
    // A private CA, trusted the way an operator would: Node reads this at start.
    nodeEnv: { NODE_EXTRA_CA_CERTS: certificates.caFile },
  });

  it('carries a chat end to end', async () => {
    const { cluster } = fixture;
    expect(cluster.redis.url).toMatch(/^rediss:\/\//);
    const [alice, bob] = await Promise.all([
      connectChat(cluster.url, 'alice'),
      connectChat(cluster.url, 'bob'),
    ]);
    fixture.clients.push(alice, bob);
    await Promise.all([alice.join('sealed'), bob.join('sealed')]);
    expect(await alice.request('chat message', { room: 'sealed', message: 'over TLS' })).toMatchObject({
      ok: true,
    });
    const [message] = await waitForEvents<{ message: string }>(bob, 'chat message', 1);
    expect(message.message).toBe('over TLS');
  });

  it('refuses a Redis whose certificate the node does not trust', async () => {
    const { cluster } = fixture;
    const node = await startNode({ id: 'node9', redisUrl: cluster.redis.url, waitReady: false });
    try {
      await node.process.waitForLine(/self-signed certificate in certificate chain/, 15_000);
      expect(node.process.lines.some((line) => line.includes('connection ready'))).toBe(false);
    } finally {
      await node.stop();
    }
  });
});
