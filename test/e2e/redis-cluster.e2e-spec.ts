import type { RingchatClient } from '@app/chat-client';
import type { Cluster } from 'ioredis';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  connectChat,
  connectRingchat,
  idsIn,
  reconnectAwayFrom,
  useCluster,
  waitFor,
  waitForEvents,
  type ChatClient,
  type ChatLine,
  type TestCluster,
} from '../harness/index.js';

/**
 * Representative cases of the routing, durable-chat and presence suites, run
 * against a real Redis Cluster (3 masters, 3 replicas) with ACK_REPLICAS=1,
 * then a master killed under load.
 */
describe('ringchat on a Redis Cluster', () => {
  const fixture = useCluster({
    nodes: 3,
    redisCluster: { password: 'redis-cluster-test-password', nodeTimeoutMs: 1500 },
    // A member TTL that a loaded 2-core machine can keep: six redis-servers and three
    // nodes start together here, and a CI run saw a heartbeat land 2 s late, which
    // rightly dropped the node and closed its sessions mid-test.
    nodeEnv: { LOG_LEVEL: 'info', ACK_REPLICAS: '1', MEMBER_TTL_MS: '4000', HEARTBEAT_INTERVAL_MS: '1000' },
  });
  const closers = fixture.clients;
  let cluster: TestCluster;
  let redis: Cluster;
  beforeAll(() => {
    cluster = fixture.cluster;
    redis = cluster.redisCluster!.client();
  });

  async function chat(user: string, options: Parameters<typeof connectChat>[2] = {}, url = cluster.url) {
    const client = await connectChat(url, user, options);
    closers.push(client);
    return client;
  }

  async function ringchat(user: string, url = cluster.url): Promise<RingchatClient> {
    const client = await connectRingchat(url, user, {
      transports: ['websocket'],
      // Fast retries: the failover is measured, not the client's back-off.
      retry: { initialDelayMs: 100, factor: 2, maxDelayMs: 500 },
    });
    closers.push(client);
    return client;
  }

  it('routing: polling clients in rooms on every shard get exactly their room’s messages, across nodes', async () => {
    const rooms = ['north', 'south', 'east'];
    const members = await Promise.all(
      Array.from({ length: 9 }, (_, i) => chat(`poller${i}`, { transports: ['polling'] })),
    );
    const roomOf = (i: number): string => rooms[i % 3];
    const named = failuresNamed(members);
    await Promise.all(members.map((client, i) => named(client, client.join(roomOf(i)))));
    const sent: ChatLine[] = [];
    for (let round = 0; round < 4; round++) {
      await Promise.all(
        members.map(async (client, i) => {
          const message = `${client.user} #${round}`;
          await named(client, client.request('chat message', { room: roomOf(i), message }));
          sent.push({ room: roomOf(i), user: client.user, message });
        }),
      );
    }
    for (const [i, client] of members.entries()) {
      const expected = sent.filter((m) => m.room === roomOf(i)).map((m) => m.message);
      const got = await waitForEvents<ChatLine>(client, 'chat message', expected.length, 15_000);
      expect(got.every((m) => m.room === roomOf(i))).toBe(true);
      expect(got.map((m) => m.message).sort()).toEqual(expected.sort());
    }
    // Round robin put sessions on several nodes, so requests were forwarded to their owners.
    expect(new Set(members.map((client) => client.session.node)).size).toBeGreaterThan(1);
    // The rooms' keys spread over more than one master.
    const masters = await Promise.all(rooms.map((room) => cluster.redisCluster!.masterOf(streamOf(room))));
    expect(new Set(masters.map((master) => master.port)).size).toBeGreaterThan(1);
  }, 60_000);

  it('durable chat: a cut-off client gets exactly what it missed on another node; a retry is stored once', async () => {
    const x = await ringchat('x');
    const sender = await ringchat('sender');
    const witness = await ringchat('witness');
    for (const client of [x, sender, witness]) await client.join('archive');
    await sender.send('archive', 'before the cut');
    await waitFor('x to see the first message', () => idsIn(x, 'archive').length === 1);
    const firstNode = x.session!.node;
    x.socket.io.reconnection(false);
    x.socket.io.engine.close();
    await waitFor('x to be cut off', () => x.status !== 'connected');
    for (let i = 0; i < 30; i++) await sender.send('archive', `missed #${i}`);
    await reconnectAwayFrom(x, firstNode);
    expect(x.session!.node).not.toBe(firstNode);
    await waitFor('x to catch up', () => idsIn(x, 'archive').length >= idsIn(witness, 'archive').length);
    expect(idsIn(x, 'archive')).toEqual(idsIn(witness, 'archive'));
    expect(idsIn(x, 'archive')).toHaveLength(31);

    const retrier = await chat('retrier');
    await retrier.join('dedup');
    const payload = { room: 'dedup', message: 'once', clientMsgId: 'abc-1' };
    const first = await retrier.request<{ id: string }>('chat message', payload);
    const again = await retrier.request('chat message', payload);
    expect(again).toEqual({ ok: true, id: first.id, duplicate: true });
    expect(await redis.xlen(streamOf('dedup'))).toBe(1);
  }, 60_000);

  it("presence: one member per user across nodes, and a killed node's users leave every view", async () => {
    // Two tabs of one guest (the second presents the first's token), and bob.
    const tab1 = await chat('alice', { transports: ['polling'] });
    const tab2 = await chat('alice', { auth: { user: 'alice', guest: tab1.session.guestToken } });
    const bob = await chat('bob', { transports: ['websocket'] });
    for (const client of [bob, tab1, tab2]) await client.join('lobby');
    await waitFor('bob to see alice join', () => bob.events('join room').some((e) => e.user === 'alice'));
    const members = await bob.request<{ members: Array<{ user: string }> }>('members', { room: 'lobby' });
    expect(members.members.map((m) => m.user).sort()).toEqual(['alice', 'bob']);
    const listed = await bob.request<{ rooms: Array<{ room: string; members: number }> }>('rooms', {});
    expect(listed.rooms).toContainEqual({ room: 'lobby', members: 2 });

    // A node outside nginx, its users in rooms on several shards, killed.
    const doomed = await cluster.addNode('node4');
    const victims = await Promise.all(
      ['lobby', 'vigil', 'watch'].map(async (room, i) => {
        const victim = await chat(`doomed${i}`, { transports: ['websocket'] }, doomed.url);
        await victim.join(room);
        return victim;
      }),
    );
    await waitFor('bob to see doomed0 join', () => bob.events('join room').some((e) => e.user === 'doomed0'));
    doomed.process.kill('SIGKILL');
    await waitFor(
      'bob to see doomed0 leave',
      () => bob.events('leave room').some((e) => e.user === 'doomed0'),
      10_000,
    );
    await waitFor(
      'the directory to forget the dead node’s rooms',
      async () => {
        const page = await bob.request<{ rooms: Array<{ room: string; members: number }> }>('rooms', {});
        return page.rooms.every(
          (r) => r.room !== 'vigil' && r.room !== 'watch' && (r.room !== 'lobby' || r.members === 2),
        );
      },
      10_000,
    );
    expect(await redis.exists('ringchat:node:node4:room-connections')).toBe(0);
    for (const victim of victims) victim.close();
  }, 60_000);

  it('ACK_REPLICAS=1 costs a replica round trip per send: ack latency with and without it', async () => {
    const withoutWait = await cluster.addNode('node5', { ACK_REPLICAS: '0' });
    const percentiles = async (url: string, user: string) => {
      const client = await ringchat(user, url);
      await client.join('latency');
      const took: number[] = [];
      // Within the rate limit's burst (40), so no send waits for a token.
      for (let i = 0; i < 35; i++) {
        const startedAt = performance.now();
        await client.send('latency', `#${i}`);
        took.push(performance.now() - startedAt);
      }
      took.sort((a, b) => a - b);
      return { p50: took[17], p90: took[31] };
    };
    const waited = await percentiles(cluster.node('node1').url, 'acked-by-replica');
    const plain = await percentiles(withoutWait.url, 'acked-by-master');
    // Both stay interactive; the figures go to the docs.
    expect(waited.p50).toBeLessThan(100);
    expect(plain.p50).toBeLessThan(100);
    console.info(
      `[redis-cluster ack latency] 35 sequential sends: ACK_REPLICAS=1 p50 ${waited.p50.toFixed(1)} ms, ` +
        `p90 ${waited.p90.toFixed(1)} ms; ACK_REPLICAS=0 p50 ${plain.p50.toFixed(1)} ms, p90 ${plain.p90.toFixed(1)} ms`,
    );
    await withoutWait.stop();
  });

  it('ACK_REPLICAS=1: acked messages survive a master killed under load, stored and delivered once', async () => {
    const redisCluster = cluster.redisCluster!;
    // A room whose master is not the membership's, so the failover hits the chat alone.
    const membershipMaster = await redisCluster.masterOf('{ringchat}:members');
    let room = '';
    for (let i = 0; !room; i++) {
      const master = await redisCluster.masterOf(streamOf(`failover${i}`));
      if (master.port !== membershipMaster.port) room = `failover${i}`;
    }
    const victim = await redisCluster.masterOf(streamOf(room));
    const clients = await Promise.all(Array.from({ length: 6 }, (_, i) => ringchat(`load${i}`)));
    await Promise.all(clients.map((client) => client.join(room)));

    const acked: Array<{ id: string; at: number }> = [];
    const refusals: string[] = [];
    let killedAt = 0;
    let recoveredAt = 0;
    let stopAt = Date.now() + 60_000;
    const sending = Promise.all(
      clients.map(async (client) => {
        for (let n = 0; Date.now() < stopAt; n++) {
          const startedAt = Date.now();
          // The helper retries a refusal with the same clientMsgId until it is acked.
          const id = await client.send(room, `${client.user} #${n}`).catch((error: Error) => {
            refusals.push(error.message);
            return undefined;
          });
          if (id === undefined) break;
          acked.push({ id, at: Date.now() });
          if (killedAt && !recoveredAt && startedAt > killedAt) recoveredAt = Date.now();
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      }),
    );
    await waitFor('some traffic before the kill', () => acked.length >= 60, 20_000);
    killedAt = Date.now();
    victim.process.kill('SIGKILL');
    await redisCluster.waitHealthy(30_000);
    const promotedAt = Date.now();
    // The old master comes back as a replica of the promoted one: WAIT 1 can succeed again.
    await redisCluster.restart(victim);
    await waitFor('sends to be acked again', () => recoveredAt > 0 || refusals.length > 0, 30_000);
    stopAt = Date.now() + 1500;
    await sending;

    // Only refusals a retry mends: the nodes log anything else as an error.
    expect({ refusals, errors: cluster.logsContaining(' ERROR ') }).toEqual({ refusals: [], errors: [] });
    const ackedIds = new Set(acked.map((a) => a.id));
    expect(ackedIds.size).toBe(acked.length);
    const stored = (await redis.xrange(streamOf(room), '-', '+')).map(([id, fields]) => ({
      id,
      cid: fields[fields.indexOf('cid') + 1],
      uid: fields[fields.indexOf('uid') + 1],
    }));
    const storedIds = new Set(stored.map((entry) => entry.id));
    const lost = [...ackedIds].filter((id) => !storedIds.has(id));
    const storedTwice = stored.length - new Set(stored.map((entry) => `${entry.uid} ${entry.cid}`)).size;
    expect(lost).toEqual([]);
    expect(storedTwice).toBe(0);
    let deliveredTwice = 0;
    for (const client of clients) {
      await waitFor(
        `${client.user} to hold every acked message`,
        () => [...ackedIds].every((id) => idsIn(client, room).includes(id)),
        15_000,
      );
      const held = client.rooms.get(room)!.messages;
      deliveredTwice += held.length - new Set(held.map((m) => `${m.userId} ${m.clientMsgId}`)).size;
    }
    expect(deliveredTwice).toBe(0);
    console.info(
      `[redis-cluster failover] ACK_REPLICAS=1, master of ${room} killed: ${acked.length} acked, ` +
        `${stored.length} stored, lost ${lost.length}, stored twice ${storedTwice}, delivered twice ${deliveredTwice}; ` +
        `replica promoted ${promotedAt - killedAt} ms after the kill, sends acked again ${recoveredAt - killedAt} ms after it`,
    );
  }, 120_000);
});

/**
 * Wraps a client's request so that its failure names the client, its session
 * and node, and what closed its connection (for a polling transport error: the
 * HTTP status and body), so a failed run can be traced in the nodes' logs.
 */
function failuresNamed(clients: ChatClient[]) {
  const closes = new Map<ChatClient, string>();
  for (const client of clients) {
    client.socket.on('disconnect', (reason, detail) => {
      const error = detail as {
        message?: string;
        description?: unknown;
        context?: { responseText?: string };
      };
      const why = error?.message
        ? `: ${error.message} ${String(error.description)} ${error.context?.responseText ?? ''}`
        : '';
      closes.set(client, `${reason}${why}`);
    });
  }
  return <T>(client: ChatClient, request: Promise<T>): Promise<T> =>
    request.catch((error: Error) => {
      const { sid, node } = client.session;
      throw new Error(
        `${client.user} (sid ${sid} on ${node}): ${error.message}; closed by ${closes.get(client)}`,
      );
    });
}

function streamOf(room: string): string {
  return `ringchat:room:{${room}}:messages`;
}
