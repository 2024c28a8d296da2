import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RingchatClient } from '@app/chat-client';
import {
  connectRingchat,
  DROPPED_WARNING,
  idsIn,
  keepNodeLogs,
  missingFrom,
  netnsLabProblem,
  NetnsLab,
  startNginx,
  startNode,
  startRedis,
  waitFor,
  type TestNginx,
  type TestNode,
  type TestRedis,
} from '../harness/index.js';

/**
 * Redis, nginx and three nodes, each on a "host" of its own: a network namespace
 * with its own address (see NetnsLab). Every process listens on its host's lab
 * address only, so anything that dialled loopback would find nobody there.
 * The clients run in the test process, in the root namespace, through nginx.
 */

const LAB_FAMILY = 'rcsh';
const NODE_IDS = ['node1', 'node2', 'node3'];
const NODE_PORT = 9001;
const ROOM = 'hosts';
const NODE_ENV = {
  LOG_LEVEL: 'debug',
  MEMBER_TTL_MS: '1500',
  HEARTBEAT_INTERVAL_MS: '300',
  // Clients notice a dead link within 2.5 s.
  PING_INTERVAL_MS: '1000',
  PING_TIMEOUT_MS: '1500',
};

interface ClusterReport {
  ring: string[];
  members: Array<{ id: string; url: string }>;
  sessions: number;
}

async function report(node: TestNode): Promise<ClusterReport> {
  const response = await fetch(`${node.url}/cluster`, { signal: AbortSignal.timeout(1000) });
  return (await response.json()) as ClusterReport;
}

async function ringsHold(nodes: TestNode[], id: string): Promise<boolean> {
  const reports = await Promise.all(nodes.map(report));
  return reports.every((r) => r.ring.includes(id));
}

/** Every client keeps sending to ROOM; the ids of acknowledged sends are kept. */
function keepTalking(clients: RingchatClient[]) {
  const acked: string[] = [];
  let running = true;
  const loops = clients.map(async (client, n) => {
    for (let i = 0; running; i++) {
      await client.send(ROOM, `${client.user} says ${i}`).then(
        (id) => acked.push(id),
        () => undefined,
      );
      await new Promise((resolve) => setTimeout(resolve, 250 + n * 10));
    }
  });
  return {
    acked,
    stop: async () => {
      running = false;
      await Promise.all(loops);
    },
  };
}

/** Live `chat message` ids per client: a message pushed twice would show up here. */
function recordLive(clients: RingchatClient[]): Map<RingchatClient, string[]> {
  const live = new Map<RingchatClient, string[]>();
  for (const client of clients) {
    const ids: string[] = [];
    live.set(client, ids);
    client.socket.on('chat message', (message) => ids.push(message.id));
  }
  return live;
}

async function expectEveryAckedOnce(clients: RingchatClient[], acked: string[]): Promise<void> {
  expect(new Set(acked).size).toBe(acked.length);
  const allHeld = (): boolean => clients.every((c) => missingFrom(c, ROOM, acked).length === 0);
  await waitFor('every client to hold every acked message', allHeld, 15_000);
  for (const client of clients) {
    const ids = idsIn(client, ROOM);
    expect(new Set(ids).size, `${client.user} holds a message twice`).toBe(ids.length);
  }
}

const usingWebSocket = (client: RingchatClient): boolean =>
  client.socket.io.engine?.transport.name === 'websocket';

describe('nodes on separate hosts (network namespaces)', () => {
  let lab: NetnsLab | undefined;
  let redis: TestRedis | undefined;
  let nginx: TestNginx | undefined;
  const nodes: TestNode[] = [];
  const clients: RingchatClient[] = [];
  const node = (id: string): TestNode => nodes.find((n) => n.id === id)!;
  const logsContaining = (text: string): string[] =>
    nodes.flatMap((n) => n.process.lines.filter((line) => line.includes(text)));

  beforeAll(async () => {
    const problem = await netnsLabProblem(LAB_FAMILY);
    if (problem) {
      throw new Error(
        `separate-hosts e2e ${problem} ` +
          '(e.g. sudo npx vitest run --project e2e test/e2e/separate-hosts.e2e-spec.ts)',
      );
    }
    lab = await NetnsLab.create({ family: LAB_FAMILY, hosts: ['redis', 'nginx', ...NODE_IDS] });
    const redisHost = lab.host('redis');
    // Redis accepts other hosts only with a password (protected mode), as in production.
    redis = await startRedis({
      host: redisHost.address,
      port: 6379,
      password: 'lab-redis-password',
      launcher: redisHost.launcher,
    });
    const redisUrl = redis.url;
    nodes.push(
      ...(await Promise.all(
        NODE_IDS.map((id) => {
          const host = lab!.host(id);
          return startNode({
            id,
            redisUrl,
            host: host.address,
            port: NODE_PORT,
            launcher: host.launcher,
            env: NODE_ENV,
          });
        }),
      )),
    );
    const nginxHost = lab.host('nginx');
    nginx = await startNginx(
      nodes.map((n) => `${lab!.host(n.id).address}:${NODE_PORT}`),
      { host: nginxHost.address, port: 9000, launcher: nginxHost.launcher },
    );
  }, 60_000);

  let failedIn: string | undefined;
  afterEach(({ task }) => {
    if (task.result?.state === 'fail') failedIn = task.file.name;
  });

  afterAll(async () => {
    if (failedIn)
      console.info(`node logs of the failed run kept in ${keepNodeLogs({ nodes, nginx }, failedIn)}`);
    for (const client of clients) client.close();
    await nginx?.stop();
    await Promise.all(nodes.map((n) => n.stop()));
    await redis?.stop();
    await lab?.destroy();
  }, 30_000);

  /**
   * Clients through nginx, WebSocket-only, polling-only and default in turn (then
   * the kinds node2 still lacks), until node2 owns one of each kind and one
   * default client's upgrade was relayed by a node that does not own its session.
   */
  async function connectClients(): Promise<void> {
    const kinds = [['websocket'], ['polling'], undefined] as const;
    const onNode2 = new Set<number>();
    const relayed = (): boolean =>
      clients.some((c) => logsContaining(`WebSocket upgrade request for ${c.session!.sid} -> `).length > 0);
    for (let i = 0; clients.length < 9 || onNode2.size < kinds.length || !relayed(); i++) {
      if (i >= 45) throw new Error('node2 never got a client of every kind, or no upgrade was relayed');
      const lacking = kinds.findIndex((_, k) => !onNode2.has(k));
      const kind = i < 9 || lacking === -1 ? i % kinds.length : lacking;
      const transports = kinds[kind] ? [...kinds[kind]] : undefined;
      const client = await connectRingchat(nginx!.url, `u${i}`, { transports });
      clients.push(client);
      if (client.session?.node === 'node2') onNode2.add(kind);
      if (!transports) await waitFor(`u${i} to upgrade`, () => usingWebSocket(client), 5000);
    }
  }

  it('chats, routes and resumes with every process on its own address', async () => {
    await waitFor('every ring to hold every node', async () => {
      const reports = await Promise.all(nodes.map(report));
      return reports.every((r) => NODE_IDS.every((id) => r.ring.includes(id)));
    });
    // Peers know each other by their lab addresses, as advertised.
    for (const n of nodes) {
      const urls = (await report(n)).members.map((m) => m.url).sort();
      expect(urls).toEqual(NODE_IDS.map((id) => `http://${lab!.host(id).address}:${NODE_PORT}`));
    }

    await connectClients();
    for (const client of clients) await client.join(ROOM);
    const live = recordLive(clients);
    const acked = await Promise.all(clients.map((client) => client.send(ROOM, `hello from ${client.user}`)));

    // Routing: polling sessions were reached through nodes that do not own them.
    for (const client of clients.filter((c) => !usingWebSocket(c))) {
      const { sid, node: owner } = client.session!;
      const forwards = (): number => logsContaining(`request for ${sid} -> ${owner}`).length;
      await waitFor(`a request of ${client.user} forwarded to ${owner}`, () => forwards() > 0, 5000);
    }

    // Resume: one polling and one WebSocket client lose their connection while others talk.
    const dropped = [clients.find((c) => !usingWebSocket(c))!, clients.find(usingWebSocket)!];
    const sidsBefore = dropped.map((c) => c.session!.sid);
    for (const client of dropped) client.socket.io.engine.close();
    const talkers = clients.filter((c) => !dropped.includes(c)).slice(0, 3);
    acked.push(...(await Promise.all(talkers.map((c) => c.send(ROOM, `while ${dropped.length} are away`)))));
    await waitFor(
      'the dropped clients to be on new sessions',
      () => dropped.every((c, i) => c.status === 'connected' && c.session!.sid !== sidsBefore[i]),
      10_000,
    );

    await expectEveryAckedOnce(clients, acked);
    for (const [client, ids] of live)
      expect(new Set(ids).size, `${client.user} pushed twice`).toBe(ids.length);
    // Nothing dialled loopback: it would have failed, and said so in a log line.
    expect(logsContaining('127.0.0.1')).toEqual([]);
  }, 60_000);

  it('cut off, a node is dropped and its clients resume elsewhere; back, it rejoins serving no session twice', async () => {
    const node2 = node('node2');
    const peers = nodes.filter((n) => n !== node2);
    const chatters = [...clients];
    const live = recordLive(chatters);
    const talk = keepTalking(chatters);
    await waitFor('some messages acked', () => talk.acked.length >= chatters.length, 5000);

    const onNode2 = chatters.filter((c) => c.session!.node === 'node2');
    const node2Sids = onNode2.map((c) => c.session!.sid);
    await lab!.cut('node2');
    try {
      await waitFor('the peers to drop node2', async () => !(await ringsHold(peers, 'node2')), 8000);
      await waitFor(
        "node2's clients to resume on the other nodes",
        () =>
          onNode2.every(
            (c, i) =>
              c.status === 'connected' && c.session!.sid !== node2Sids[i] && c.session!.node !== 'node2',
          ),
        15_000,
      );
      const ackedWhileCut = talk.acked.length;
      await waitFor(
        'messages acked while node2 is away',
        () => talk.acked.length >= ackedWhileCut + chatters.length,
        5000,
      );
    } finally {
      await lab!.restore('node2');
    }

    await node2.process.waitForLine(DROPPED_WARNING, 15_000);
    await waitFor('node2 back in every ring', () => ringsHold(nodes, 'node2'), 10_000);
    // node2 serves again: a new client placed there chats with the room.
    const newcomer = await connectToNode2();
    await newcomer.join(ROOM);
    const ackedAfter = talk.acked.length;
    await waitFor(
      'messages acked after the rejoin',
      () => talk.acked.length >= ackedAfter + chatters.length,
      5000,
    );
    await talk.stop();

    await expectEveryAckedOnce(chatters, talk.acked);
    for (const [client, ids] of live)
      expect(new Set(ids).size, `${client.user} pushed twice`).toBe(ids.length);
    // node2's subscriber connection survived the cut, owing what Redis sent meanwhile: dropped, node2
    // proves it current with a PING or reconnects it, instead of waiting out TCP's retransmission back-off.
    const sinceJoin = talk.acked.slice(ackedAfter);
    await waitFor(
      'the newcomer to hold what was said since it joined',
      () => missingFrom(newcomer, ROOM, sinceJoin).length === 0,
      15_000,
    );

    // No session twice: node2 kept none of its old sessions, and the cluster holds one per client.
    for (const sid of node2Sids) {
      const poll = await fetch(`${node2.url}/socket.io/?EIO=4&transport=polling&sid=${sid}`, {
        signal: AbortSignal.timeout(2000),
      });
      expect(poll.status, `node2 still serves ${sid}`).toBe(400);
    }
    await waitFor(
      'one session per client across the cluster',
      async () => {
        const reports = await Promise.all(nodes.map(report));
        return reports.reduce((sum, r) => sum + r.sessions, 0) === clients.length;
      },
      10_000,
    );
  }, 90_000);

  /**
   * Connects through nginx until a session lands on node2: nginx skips it for
   * 2 s after the failures of the cut (`fail_timeout`), then round robin.
   */
  async function connectToNode2(): Promise<RingchatClient> {
    return waitFor(
      'a new session placed on node2',
      async () => {
        const client = await connectRingchat(nginx!.url, 'newcomer', { transports: ['websocket'] });
        if (client.session!.node === 'node2') return clients[clients.push(client) - 1];
        client.close();
        return undefined;
      },
      10_000,
      200,
    );
  }
});
