import { afterAll, describe, expect, it } from 'vitest';
import type { RingchatClient } from '@app/chat-client';
import {
  connectRingchat,
  DROPPED_WARNING,
  startRedis,
  useCluster,
  waitFor,
  type ClusterFixture,
  type TestNode,
  type TestRedis,
} from '../harness/index.js';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

interface ClusterReport {
  epoch: number;
  ring: string[];
}

async function report(node: TestNode): Promise<ClusterReport> {
  const response = await fetch(`${node.url}/cluster`, { signal: AbortSignal.timeout(1000) });
  return (await response.json()) as ClusterReport;
}

async function everyRingHas(nodes: TestNode[], ids: string[]): Promise<boolean> {
  const reports = await Promise.all(nodes.map(report));
  return reports.every((r) => ids.every((id) => r.ring.includes(id)));
}

/**
 * Reads every node's /cluster every 100 ms and keeps each ring seen without one
 * of `expected`. Nodes in `skip()` (paused: they cannot answer) are left out.
 */
function watchRings(nodes: TestNode[], expected: string[], skip: () => Set<string> = () => new Set()) {
  const missing: string[] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      await Promise.all(
        nodes
          .filter((node) => !skip().has(node.id))
          .map(async (node) => {
            const ring = (await report(node).catch(() => undefined))?.ring;
            const absent = ring ? expected.filter((id) => !ring.includes(id)) : [];
            if (absent.length > 0) missing.push(`${node.id} saw a ring without ${absent.join(', ')}`);
          }),
      );
      await sleep(100);
    }
  })();
  return {
    missing,
    stop: async () => {
      running = false;
      await loop;
    },
  };
}

/** Every client sends to `room` in turn until stopped; the ids of the acked sends are kept. */
function chatter(clients: RingchatClient[], room: string) {
  const acked: string[] = [];
  let running = true;
  const loops = clients.map(async (client, i) => {
    for (let n = 0; running; n++) {
      await client.send(room, `${client.user} #${n}`).then(
        (id) => acked.push(id),
        () => undefined,
      );
      await sleep(300 + i * 10);
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

function ringsSettled(fixture: ClusterFixture): Promise<boolean> {
  const { nodes } = fixture.cluster;
  return waitFor('every ring to hold every node', () =>
    everyRingHas(
      nodes,
      nodes.map((node) => node.id),
    ),
  );
}

describe('a Redis outage longer than the member TTL', () => {
  const fixture = useCluster({ nodes: 3, nodeEnv: { LOG_LEVEL: 'info' } });
  // The cluster's own stop knows only the first Redis, which the test stops.
  const restarts: TestRedis[] = [];
  afterAll(() => Promise.all(restarts.map((redis) => redis.stop())));

  it('drops no node from any ring, and the epochs converge', async () => {
    const { cluster } = fixture;
    await ringsSettled(fixture);
    const ids = cluster.nodes.map((node) => node.id);
    const watch = watchRings(cluster.nodes, ids);

    await cluster.redis.stop();
    await sleep(8000);
    restarts.push(await startRedis({ port: cluster.redis.port, dataDir: cluster.redis.dataDir }));
    // Every node has heartbeat a few times since: before, the first one back expired the others.
    await sleep(5000);
    await watch.stop();

    expect(watch.missing).toEqual([]);
    await waitFor('the epochs to converge', async () => {
      const epochs = new Set((await Promise.all(cluster.nodes.map(report))).map((r) => r.epoch));
      return epochs.size === 1;
    });
    expect(cluster.logsContaining('dropped from the ring')).toEqual([]);
  }, 60_000);
});

describe('a node paused (SIGSTOP) longer than the member TTL', () => {
  const fixture = useCluster({ nodes: 3, nodeEnv: { LOG_LEVEL: 'info' } });
  const ROOM = 'pause';

  /** Clients through nginx, WebSocket, polling-only and default in turn, until node2 holds one of each. */
  async function connectClients(): Promise<RingchatClient[]> {
    const kinds = [['websocket'], ['polling'], undefined] as const;
    const clients: RingchatClient[] = [];
    const onNode2 = new Set<number>();
    for (let i = 0; clients.length < 12 || onNode2.size < kinds.length; i++) {
      if (i >= 36) throw new Error('node2 never got a client of every kind');
      const kind = i % kinds.length;
      const transports = kinds[kind] ? [...kinds[kind]] : undefined;
      const client = await connectRingchat(fixture.cluster.url, `u${i}`, { transports });
      fixture.clients.push(client);
      clients.push(client);
      if (client.session?.node === 'node2') onNode2.add(kind);
    }
    return clients;
  }

  it('is dropped, closes its sessions on waking, rejoins, and every acked message reaches every member once', async () => {
    const { cluster } = fixture;
    await ringsSettled(fixture);
    const node2 = cluster.node('node2');
    const peers = cluster.nodes.filter((node) => node !== node2);
    const clients = await connectClients();
    const live = new Map<RingchatClient, string[]>();
    for (const client of clients) {
      const ids: string[] = [];
      live.set(client, ids);
      client.socket.on('chat message', (message) => ids.push(message.id));
      await client.join(ROOM);
    }
    const talk = chatter(clients, ROOM);
    await sleep(1500);

    const onNode2 = clients.filter((client) => client.session?.node === 'node2');
    const sidsBefore = new Map(onNode2.map((client) => [client, client.session!.sid]));
    const pid = node2.process.pid!;
    process.kill(pid, 'SIGSTOP');
    try {
      await waitFor('the peers to drop node2', async () => !(await everyRingHas(peers, ['node2'])), 6000);
      await sleep(6000 - 3000);
    } finally {
      process.kill(pid, 'SIGCONT');
    }

    // Every session node2 held was closed: its clients chat on new ones (WebSocket ones too).
    await waitFor(
      "node2's clients to be on new sessions",
      () =>
        onNode2.every(
          (client) => client.status === 'connected' && client.session?.sid !== sidsBefore.get(client),
        ),
      15_000,
    );
    const warning = await node2.process.waitForLine(DROPPED_WARNING, 10_000);
    const [, seconds, closed] = DROPPED_WARNING.exec(warning)!;
    expect(Number(seconds)).toBeGreaterThanOrEqual(3);
    expect(Number(closed)).toBeGreaterThan(0);
    await waitFor('node2 back in every ring', () => everyRingHas(cluster.nodes, ['node2']), 5000);
    await waitFor(
      'every client to be connected again',
      () => clients.every((client) => client.status === 'connected'),
      15_000,
    );
    await sleep(2000);
    await talk.stop();

    const acked = talk.acked;
    expect(new Set(acked).size).toBe(acked.length);
    expect(acked.length).toBeGreaterThan(clients.length);
    const missing = (client: RingchatClient): string[] => {
      const held = new Set(client.rooms.get(ROOM)?.messages.map((m) => m.id));
      return acked.filter((id) => !held.has(id));
    };
    await waitFor(
      'every client to hold every acked message',
      () => clients.every((c) => missing(c).length === 0),
      20_000,
    );
    for (const client of clients) {
      const ids = client.rooms.get(ROOM)!.messages.map((m) => m.id);
      expect(new Set(ids).size, `${client.user} holds a message twice`).toBe(ids.length);
      const delivered = live.get(client)!;
      expect(new Set(delivered).size, `${client.user} was sent a message twice`).toBe(delivered.length);
    }
    // Only node2 was dropped, and only once.
    expect(cluster.logsContaining('dropped from the ring while paused or cut off')).toHaveLength(1);
  }, 90_000);
});
