import { Redis } from 'ioredis';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import {
  connectChat,
  launchChromium,
  signInAndJoin,
  startRedis,
  useCluster,
  waitFor,
  type ChatClient,
  type ClientOptions,
  type ClusterFixture,
  type TestRedis,
} from '../harness/index.js';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
/** The promise: members equal the live connections within this long of any fault. */
const CONVERGED_WITHIN_MS = 10_000;

interface MembersAnswer {
  ok?: true;
  members: Array<{ userId: string; user: string }>;
}

/** The member ids `client`'s node answers for `room`, sorted; undefined while it cannot answer. */
async function memberIds(client: ChatClient, room: string): Promise<string[] | undefined> {
  const answer = await client.request<MembersAnswer>('members', { room }, 2000).catch(() => undefined);
  return answer?.ok ? answer.members.map((m) => m.userId).sort() : undefined;
}

/** Every observer's node answers exactly `expected` (sorted ids) for `room`. */
async function allAgree(observers: ChatClient[], room: string, expected: string[]): Promise<boolean> {
  const views = await Promise.all(observers.map((o) => memberIds(o, room)));
  return views.every((view) => JSON.stringify(view) === JSON.stringify([...expected].sort()));
}

/** Connects users through nginx until there are `perNode` on each node, in `room`. */
async function usersOnEveryNode(
  fixture: ClusterFixture,
  prefix: string,
  perNode: number,
  room: string,
  options: ClientOptions = {},
): Promise<Map<string, ChatClient[]>> {
  const byNode = new Map<string, ChatClient[]>(fixture.cluster.nodes.map((n) => [n.id, []]));
  for (let i = 0; [...byNode.values()].some((list) => list.length < perNode); i++) {
    if (i > perNode * byNode.size * 6) throw new Error('nginx never spread the users over every node');
    const client = await connectChat(fixture.cluster.url, `${prefix}${i}`, {
      transports: ['websocket'],
      ...options,
    });
    const list = byNode.get(client.session.node)!;
    if (list.length >= perNode) {
      client.close();
      continue;
    }
    fixture.clients.push(client);
    await client.join(room);
    list.push(client);
  }
  return byNode;
}

/** A three-node cluster whose Redis a test may stop and start again (same port, same data). */
function clusterWithRestartableRedis(): { fixture: ClusterFixture; startRedisAgain: () => Promise<void> } {
  const fixture = useCluster({ nodes: 3, nodeEnv: { LOG_LEVEL: 'info' } });
  let restarted: TestRedis | undefined;
  afterAll(async () => {
    await restarted?.stop();
  });
  const startRedisAgain = async (): Promise<void> => {
    const { port, dataDir } = fixture.cluster.redis;
    restarted = await startRedis({ port, dataDir });
  };
  return { fixture, startRedisAgain };
}

describe('presence after a Redis restart', () => {
  const { fixture, startRedisAgain } = clusterWithRestartableRedis();

  it('lists all 12 connected users on every node within 10 s of Redis being back', async () => {
    const { cluster } = fixture;
    const byNode = await usersOnEveryNode(fixture, 'steady', 4, 'restart');
    const everyone = [...byNode.values()].flat();
    const ids = everyone.map((c) => c.session.userId);
    const observers = [...byNode.values()].map((list) => list[0]);
    await waitFor('all 12 listed before the restart', () => allAgree(observers, 'restart', ids));

    await cluster.redis.stop();
    await sleep(8000);
    await startRedisAgain();
    const back = Date.now();
    await waitFor(
      'all 12 listed on every node',
      () => allAgree(observers, 'restart', ids),
      CONVERGED_WITHIN_MS,
    );
    expect(Date.now() - back).toBeLessThan(CONVERGED_WITHIN_MS);
    expect(everyone.every((c) => c.socket.connected)).toBe(true);
    // And it stays so: no later round or heartbeat takes anyone away again.
    await sleep(6000);
    expect(await allAgree(observers, 'restart', ids)).toBe(true);
  }, 90_000);
});

describe('presence after a node is killed during a Redis outage', () => {
  const { fixture, startRedisAgain } = clusterWithRestartableRedis();

  it('drops the dead node’s users, keeps the others, and lists a user who came back elsewhere once', async () => {
    const { cluster } = fixture;
    const byNode = await usersOnEveryNode(fixture, 'user', 2, 'vigil');
    const [stayer, mover] = byNode.get('node3')!;
    const survivors = [...byNode.get('node1')!, ...byNode.get('node2')!];
    const observers = [byNode.get('node1')![0], byNode.get('node2')![0]];

    await cluster.redis.stop();
    cluster.node('node3').process.kill('SIGKILL');
    await sleep(5000);
    await startRedisAgain();
    // The mover's tab reconnects as the same guest, on a live node.
    const back = await connectChat(cluster.url, mover.user, {
      transports: ['websocket'],
      auth: { user: mover.user, guest: mover.session.guestToken },
    });
    fixture.clients.push(back);
    expect(back.session.userId).toBe(mover.session.userId);
    await waitFor('the mover to join again', () => back.join('vigil').then(() => true), CONVERGED_WITHIN_MS);
    const expected = [...survivors.map((c) => c.session.userId), mover.session.userId];
    await waitFor('the live users, and only them, on both nodes', () =>
      allAgree(observers, 'vigil', expected),
    );
    expect(expected).not.toContain(stayer.session.userId);
    await sleep(6000);
    expect(await allAgree(observers, 'vigil', expected)).toBe(true);
  }, 90_000);
});

describe('presence against races and lost events', () => {
  const fixture = useCluster({ nodes: 2, nodeEnv: { LOG_LEVEL: 'info' } });
  let redis: Redis;
  afterEach(() => redis?.disconnect());

  const rooms = Array.from({ length: 50 }, (_, i) => `resume-${i}`);
  const lastIds = Object.fromEntries(rooms.map((room) => [room, null]));

  /** How many of `rooms` list `userId`, read straight from Redis. */
  async function roomsListing(userId: string): Promise<number> {
    const present = await Promise.all(
      rooms.map((room) => redis.hexists(`ringchat:room:{${room}}:presence`, userId)),
    );
    return present.filter((p) => p === 1).length;
  }

  /** Rooms of `rooms` the directory still counts members in. */
  async function countedRooms(): Promise<number> {
    const counted = await redis.hmget('ringchat:room-members', ...rooms);
    return counted.filter((count) => count !== null).length;
  }

  async function leavesNoTrace(userId: string): Promise<void> {
    // One condition: read apart, "no presence" can be seen before a join still in
    // flight lands, and its count after (the node's clean-up then removes both).
    await waitFor(
      `${userId} to be in no room, and no room counted`,
      async () => (await roomsListing(userId)) === 0 && (await countedRooms()) === 0,
      CONVERGED_WITHIN_MS,
    );
    // And stays so: a join that was still in flight would show by now.
    await sleep(1000);
    expect(await roomsListing(userId)).toBe(0);
    expect(await countedRooms()).toBe(0);
  }

  it.each([
    ['15 ms into a 50-room resume', 'quitter', false],
    ['15 ms after a handshake naming 50 rooms', 'hasty', true],
  ])(
    'leaves no trace of a user who disconnects %s',
    async (_, user, inHandshake) => {
      redis = new Redis(fixture.cluster.redis.url);
      const auth = inHandshake ? { user, rooms: lastIds } : { user };
      const client = await connectChat(fixture.cluster.nodes[0].url, user, {
        transports: ['websocket'],
        auth,
      });
      if (!inHandshake) client.socket.emit('resume', { rooms: lastIds });
      await sleep(15);
      client.close();
      await leavesNoTrace(client.session.userId);
    },
    30_000,
  );

  it('repairs a lost leave and a lost join within 10 s, and broadcasts each change once', async () => {
    redis = new Redis(fixture.cluster.redis.url);
    const { cluster } = fixture;
    const observer = await connectChat(cluster.nodes[0].url, 'observer', { transports: ['websocket'] });
    const alice = await connectChat(cluster.nodes[0].url, 'alice', { transports: ['websocket'] });
    const bob = await connectChat(cluster.nodes[1].url, 'bob', { transports: ['websocket'] });
    fixture.clients.push(observer, alice, bob);
    await observer.join('repair');
    await alice.join('repair');
    await bob.join('repair');
    const seen = (event: string, userId: string): number =>
      observer
        .events<{ room: string; userId: string }>(event)
        .filter((e) => e.room === 'repair' && e.userId === userId).length;
    const ids = [observer, alice, bob].map((c) => c.session.userId);
    await waitFor(
      'both joins seen',
      () => seen('join room', alice.session.userId) + seen('join room', bob.session.userId) === 2,
    );

    // A leave node2 never got to run: a ghost counted on node2 (and a bogus entry alone, on no node).
    const presence = 'ringchat:room:{repair}:presence';
    const entry = (name: string) =>
      JSON.stringify({ n: 1, node: 'node2', since: Date.now(), name, guest: true });
    await redis.hset(presence, 'g_ghost', entry('ghost'), 'g_bogus', entry('bogus'));
    await redis.hset(`${presence}-by-node`, 'node2\ng_ghost', 1);
    // A join whose effect was lost: bob's entry and count are gone from Redis.
    await redis.hdel(presence, bob.session.userId);
    await redis.hdel(`${presence}-by-node`, `node2\n${bob.session.userId}`);

    await waitFor(
      'the room to be right again',
      () => allAgree([observer, bob], 'repair', ids),
      CONVERGED_WITHIN_MS,
    );
    expect(await redis.hget('ringchat:room-members', 'repair')).toBe('3');
    await waitFor(
      'the ghost and the bogus entry to leave',
      () => seen('leave room', 'g_ghost') + seen('leave room', 'g_bogus') === 2,
    );
    await waitFor('bob announced again', () => seen('join room', bob.session.userId) === 2);

    // A real leave: once, and nothing more from the rounds that follow.
    await alice.request('leave room', { room: 'repair' });
    await waitFor('alice to leave', () => seen('leave room', alice.session.userId) === 1);
    await sleep(6000);
    expect(await memberIds(observer, 'repair')).toEqual([observer.session.userId, bob.session.userId].sort());
    expect(seen('join room', alice.session.userId)).toBe(1);
    expect(seen('leave room', alice.session.userId)).toBe(1);
    expect(seen('join room', bob.session.userId)).toBe(2);
    expect(seen('leave room', bob.session.userId)).toBe(0);
    expect(seen('leave room', 'g_ghost')).toBe(1);
    expect(seen('leave room', 'g_bogus')).toBe(1);
  }, 40_000);
});

describe('presence of a polling tab that moved after a crash', () => {
  const fixture = useCluster({ nodes: 3, nodeEnv: { LOG_LEVEL: 'info' } });

  it('drops the tab within 10 s of it closing', async () => {
    const { cluster } = fixture;
    const browser = await launchChromium();
    fixture.clients.push({ close: () => void browser.close() });
    const page = await (await browser.newContext()).newPage();
    await signInAndJoin(page, `${cluster.url}/?transport=polling`, 'roamer', 'tabs');
    const nodeOf = async (): Promise<string | undefined> =>
      /node\d+/.exec((await page.textContent('#status[data-state=connected]')) ?? '')?.[0];
    const owner = (await nodeOf())!;
    const watcherNode = cluster.nodes.find((node) => node.id !== owner)!;
    const watcher = await connectChat(watcherNode.url, 'watcher', { transports: ['websocket'] });
    fixture.clients.push(watcher);
    await watcher.join('tabs');
    const roamerListed = async (): Promise<boolean> =>
      ((await watcher.request<MembersAnswer>('members', { room: 'tabs' })).members ?? []).some(
        (m) => m.user === 'roamer',
      );
    expect(await roamerListed()).toBe(true);

    cluster.node(owner).process.kill('SIGKILL');
    await waitFor(
      'the tab on another node',
      async () => {
        const node = await page.$('#status[data-state=connected]').then((chip) => chip && nodeOf());
        return node !== undefined && node !== owner;
      },
      20_000,
    );
    await waitFor('the tab listed again after the move', roamerListed, 15_000);
    await sleep(1000);
    expect(await roamerListed()).toBe(true);

    const closedAt = Date.now();
    await page.close();
    await waitFor('the closed tab to leave', async () => !(await roamerListed()), CONVERGED_WITHIN_MS);
    expect(Date.now() - closedAt).toBeLessThan(CONVERGED_WITHIN_MS);
  }, 90_000);
});
