import type { RingchatClient } from '@app/chat-client';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  connectChat,
  connectRingchat,
  idsIn,
  reconnectAwayFrom,
  startCluster,
  waitFor,
  waitForEvents,
  type ChatClient,
  type TestCluster,
} from '../harness/index.js';

type Transport = 'polling' | 'websocket';
const MIXED: Array<Transport[] | undefined> = [['polling'], ['websocket'], undefined];

interface Message {
  id: string;
  room: string;
  user: string;
  message: string;
}

function isAscending(ids: string[]): boolean {
  const parse = (id: string) => id.split('-').map(Number);
  for (let i = 1; i < ids.length; i++) {
    const [a, b] = [parse(ids[i - 1]), parse(ids[i])];
    if (a[0] > b[0] || (a[0] === b[0] && a[1] >= b[1])) return false;
  }
  return true;
}

describe('durable chat on three nodes through nginx', () => {
  let cluster: TestCluster;
  let redis: Redis;
  const closers: Array<{ close(): void }> = [];

  beforeAll(async () => {
    cluster = await startCluster({ nodes: 3, nodeEnv: { LOG_LEVEL: 'info' } });
    redis = new Redis(cluster.redis.url);
  });
  afterAll(async () => {
    for (const client of closers) client.close();
    redis?.disconnect();
    await cluster?.stop();
  });

  async function ringchat(user: string, transports?: Transport[]): Promise<RingchatClient> {
    const client = await connectRingchat(cluster.url, user, transports ? { transports } : {});
    closers.push(client);
    return client;
  }

  it('replays exactly what a cut-off client missed, in order, after it reconnects to another node', async () => {
    const x = await ringchat('x', ['polling']);
    const senders = await Promise.all(
      ['s1', 's2', 's3', 's4'].map((user, i) => ringchat(user, MIXED[i % 3])),
    );
    const witness = await ringchat('witness', ['websocket']);
    for (const client of [x, witness, ...senders]) {
      await client.join('north');
      await client.join('south');
    }
    await senders[0].send('north', 'before the cut');
    await waitFor('x to see the first message', () => idsIn(x, 'north').length === 1);
    const firstNode = x.session!.node;

    // Cut X off: its transport closes and it stays away while 100 messages go out.
    x.socket.io.reconnection(false);
    x.socket.io.engine.close();
    await waitFor('x to be cut off', () => x.status !== 'connected');
    const sends: Array<Promise<string>> = [];
    // 25 from each of four senders: within the rate limit's burst.
    for (let i = 0; i < 100; i++) {
      sends.push(senders[i % 4].send(i % 2 === 0 ? 'north' : 'south', `missed #${i}`));
    }
    await Promise.all(sends);

    // Reconnect, until nginx puts X on another node.
    await reconnectAwayFrom(x, firstNode);
    expect(x.session!.node).not.toBe(firstNode);

    for (const room of ['north', 'south']) {
      const expected = idsIn(witness, room);
      await waitFor(`x to catch up on ${room}`, () => idsIn(x, room).length >= expected.length);
      expect(idsIn(x, room)).toEqual(expected);
      expect(isAscending(idsIn(x, room))).toBe(true);
    }
    const missed = [...x.rooms.values()]
      .flatMap((v) => v.messages)
      .filter((m) => m.message.startsWith('missed #'));
    expect(missed).toHaveLength(100);
    // Ids are unique within a room.
    expect(new Set(missed.map((m) => `${m.room} ${m.id}`)).size).toBe(100);
    expect(x.rooms.get('north')!.gap).toBe(false);
  });

  it('loses and duplicates nothing when a node is killed while 20 clients send for 10 s', async () => {
    const rooms = ['alpha', 'beta'];
    const clients = await Promise.all(
      Array.from({ length: 20 }, (_, i) => ringchat(`load${i}`, MIXED[i % 3])),
    );
    const roomOf = (i: number) => rooms[i % 2];
    await Promise.all(clients.map((client, i) => client.join(roomOf(i))));
    const victim = cluster.nodes.find((n) => n.id === 'node2')!;
    expect(clients.some((c) => c.session!.node === victim.id)).toBe(true);

    const acked = new Map<string, Set<string>>(rooms.map((r) => [r, new Set()]));
    const until = Date.now() + 10_000;
    setTimeout(() => victim.process.kill('SIGKILL'), 3000);
    await Promise.all(
      clients.map(async (client, i) => {
        for (let n = 0; Date.now() < until; n++) {
          // The helper retries through the failure; every send ends acknowledged.
          const id = await client.send(roomOf(i), `${client.user} #${n}`);
          acked.get(roomOf(i))!.add(id);
          await new Promise((resolve) => setTimeout(resolve, 200));
        }
      }),
    );

    for (const [i, client] of clients.entries()) {
      const room = roomOf(i);
      await waitFor(
        `${client.user} to hold every acked message of ${room}`,
        () => [...acked.get(room)!].every((id) => client.rooms.get(room)!.messages.some((m) => m.id === id)),
        15_000,
      );
    }
    for (const room of rooms) {
      const members = clients.filter((_, i) => roomOf(i) === room);
      const reference = idsIn(members[0], room);
      expect(new Set(reference).size).toBe(reference.length);
      expect(isAscending(reference)).toBe(true);
      expect(reference.length).toBeGreaterThanOrEqual(acked.get(room)!.size);
      for (const member of members) {
        // The same messages, once each, in the same order, from the member's first one on.
        const own = idsIn(member, room);
        expect(own).toEqual(reference.slice(reference.indexOf(own[0])));
      }
    }
    const total = [...acked.values()].reduce((sum, ids) => sum + ids.size, 0);
    expect(total).toBeGreaterThan(500);
    const stored =
      (await redis.xlen('ringchat:room:{alpha}:messages')) +
      (await redis.xlen('ringchat:room:{beta}:messages'));
    expect(stored).toBe(total);
    const held = clients.reduce((sum, c, i) => sum + idsIn(c, roomOf(i)).length, 0);
    console.info(
      `[durable] 20 clients, node2 killed at 3 s: ${total} acked, ${stored} stored, ${held} held, lost 0, duplicates 0`,
    );
  }, 60_000);
});

describe('history, presence and bad input on three nodes', () => {
  let cluster: TestCluster;
  let redis: Redis;
  const closers: Array<{ close(): void }> = [];

  beforeAll(async () => {
    cluster = await startCluster({
      nodes: 3,
      nodeEnv: { LOG_LEVEL: 'info', MEMBER_TTL_MS: '2000', HEARTBEAT_INTERVAL_MS: '500' },
    });
    redis = new Redis(cluster.redis.url);
  });
  afterAll(async () => {
    for (const client of closers) client.close();
    redis?.disconnect();
    await cluster?.stop();
  });

  async function chat(user: string, options: Parameters<typeof connectChat>[2] = {}): Promise<ChatClient> {
    const client = await connectChat(cluster.url, user, options);
    closers.push(client);
    return client;
  }

  it('shows the latest page then live messages with no gap, and pages backwards', async () => {
    const writer = await chat('writer', { transports: ['websocket'] });
    await writer.join('archive');
    // 120 messages, 30 from each of four writers: within the rate limit's burst.
    const writers = [writer, await chat('writer2'), await chat('writer3'), await chat('writer4')];
    for (const other of writers.slice(1)) await other.join('archive');
    for (let i = 0; i < 120; i++) {
      await writers[Math.floor(i / 30)].request('chat message', { room: 'archive', message: `old ${i}` });
    }

    // Live messages keep coming while the reader joins.
    let writing = true;
    const live = (async () => {
      for (let i = 0; writing; i++) {
        await writer.request('chat message', { room: 'archive', message: `live ${i}` });
        await new Promise((resolve) => setTimeout(resolve, 60));
      }
    })();
    const reader = await chat('reader', { transports: ['polling'] });
    await reader.join('archive');
    await new Promise((resolve) => setTimeout(resolve, 500));
    writing = false;
    await live;
    await writer.request('chat message', { room: 'archive', message: 'last' });
    await waitFor('the reader to get the last message', () =>
      reader.events<Message>('chat message').some((m) => m.message === 'last'),
    );

    const roomEvents = reader.received.filter((r) => r.event === 'history' || r.event === 'chat message');
    expect(roomEvents[0].event).toBe('history');
    const history = roomEvents[0].payload as { messages: Message[]; more: boolean };
    expect(history.messages).toHaveLength(50);
    expect(history.more).toBe(true);
    const readerIds = [...history.messages, ...reader.events<Message>('chat message')].map((m) => m.id);
    // The writer saw every message; the reader's are exactly its tail.
    const writerIds = writer.events<Message>('chat message').map((m) => m.id);
    expect(readerIds).toEqual(writerIds.slice(writerIds.indexOf(readerIds[0])));

    const older = await reader.request<{ ok: true; messages: Message[]; more: boolean }>('history', {
      room: 'archive',
      before: history.messages[0].id,
    });
    expect(older.messages).toHaveLength(50);
    expect(older.more).toBe(true);
    const oldest = await reader.request<{ ok: true; messages: Message[]; more: boolean }>('history', {
      room: 'archive',
      before: older.messages[0].id,
      limit: 500,
    });
    expect(oldest.more).toBe(false);
    expect([...oldest.messages, ...older.messages].map((m) => m.message)).toEqual(
      Array.from({ length: 120 }, (_, i) => `old ${i}`).slice(
        0,
        oldest.messages.length + older.messages.length,
      ),
    );
  });

  it('stores a retried clientMsgId once and answers with the first id', async () => {
    const client = await chat('retrier');
    await client.join('dedup');
    const first = await client.request<{ id: string }>('chat message', {
      room: 'dedup',
      message: 'once',
      clientMsgId: 'abc-1',
    });
    const again = await client.request<{ id: string; duplicate?: boolean }>('chat message', {
      room: 'dedup',
      message: 'once',
      clientMsgId: 'abc-1',
    });
    expect(again).toEqual({ ok: true, id: first.id, duplicate: true });
    expect(await redis.xlen('ringchat:room:{dedup}:messages')).toBe(1);
  });

  it('accepts a send that overtakes the handshake resume entering its room', async () => {
    const rooms = Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`overtaken${i}`, null]));
    // What a reconnecting client helper does: its rooms in the handshake, its unacked sends right after.
    const client = await chat('hasty', { auth: { user: 'hasty', rooms } });
    const answers = await Promise.all(
      Object.keys(rooms).map((room) =>
        client.request<{ ok?: true; code?: string }>('chat message', { room, message: 'resent' }),
      ),
    );
    expect(answers.map((answer) => answer.code ?? 'ok')).toEqual(Object.keys(rooms).map(() => 'ok'));
  });

  it('keeps presence across nodes: one member per user, however many tabs', async () => {
    const bob = await chat('bob', { transports: ['websocket'] });
    await bob.join('lobby');
    const tab1 = await chat('alice', { transports: ['polling'] });
    // Tabs of one browser share its guest identity: the second presents the first's token.
    const tab2 = await chat('alice', {
      transports: ['websocket'],
      auth: { user: 'alice', guest: tab1.session.guestToken },
    });
    const alice = { user: 'alice', userId: tab1.session.userId, guest: true };
    await tab1.join('lobby');
    await tab2.join('lobby');
    await waitFor('bob to see alice join', () => bob.events('join room').some((e) => e.user === 'alice'));

    for (const client of [bob, tab1, tab2]) {
      const answer = await client.request<{ members: Array<{ user: string; node: string }> }>('members', {
        room: 'lobby',
      });
      expect(answer.members.map((m) => m.user).sort()).toEqual(['alice', 'bob']);
    }
    await tab1.request('leave room', { room: 'lobby' });
    expect(await waitForEvents(tab1, 'leave room', 1)).toEqual([{ room: 'lobby', ...alice }]);
    const stillThere = await bob.request<{ members: Array<{ user: string }> }>('members', { room: 'lobby' });
    expect(stillThere.members.map((m) => m.user).sort()).toEqual(['alice', 'bob']);
    expect(bob.events('leave room')).toEqual([]);
    tab2.close();
    await waitForEvents(bob, 'leave room', 1);
    expect(bob.events('join room').filter((e) => e.user === 'alice')).toHaveLength(1);
    expect(bob.events('leave room')).toEqual([{ room: 'lobby', ...alice }]);

    const rooms = await bob.request<{ rooms: Array<{ room: string; members: number }> }>('rooms', {});
    expect(rooms.rooms).toContainEqual({ room: 'lobby', members: 1 });
  });

  it('removes the users of a killed node from every view within 10 s', async () => {
    const watcher = await chat('watcher', { transports: ['websocket'] });
    await watcher.join('vigil');
    const doomedNode = cluster.nodes.find((n) => n.id !== watcher.session.node && n.process.running)!;
    const victims: ChatClient[] = [];
    for (let i = 0; i < 30 && victims.length < 2; i++) {
      const client = await chat(`doomed${i}`, { transports: ['websocket'] });
      if (client.session.node === doomedNode.id) {
        await client.join('vigil');
        victims.push(client);
      } else client.close();
    }
    expect(victims).toHaveLength(2);
    const killedAt = Date.now();
    doomedNode.process.kill('SIGKILL');
    await waitFor(
      'the watcher to see both leave',
      () => victims.every((v) => watcher.events('leave room').some((e) => e.user === v.user)),
      10_000,
    );
    expect(Date.now() - killedAt).toBeLessThan(10_000);
    const members = await watcher.request<{ members: Array<{ user: string }> }>('members', { room: 'vigil' });
    expect(members.members.map((m) => m.user)).toEqual(['watcher']);
  });

  describe('bad input', () => {
    let client: ChatClient;
    beforeAll(async () => {
      client = await chat('tester', { transports: ['websocket'] });
      await client.join('clean');
    });

    it.each([
      ['an unknown event', 'launch missiles', {}, /^unknown event "launch missiles"$/],
      ['a non-object message', 'chat message', 'hello', /^expected an object/],
      ['a message to a bad room', 'chat message', { room: '<script>', message: 'x' }, /^room must be/],
      ['an empty message', 'chat message', { room: 'clean', message: '   ' }, /non-empty/],
      [
        'a message too long',
        'chat message',
        { room: 'clean', message: 'x'.repeat(2001) },
        /at most 2000 characters/,
      ],
      [
        'a bad clientMsgId',
        'chat message',
        { room: 'clean', message: 'x', clientMsgId: 'a b' },
        /clientMsgId/,
      ],
      ['a number as message', 'chat message', { room: 'clean', message: 42 }, /non-empty string/],
      [
        'a history request with a bad id',
        'history',
        { room: 'clean', before: 'yesterday' },
        /before must be a message id/,
      ],
      ['a resume without rooms', 'resume', { rooms: 'all' }, /^expected an object/],
      ['a resume with a bad id', 'resume', { rooms: { clean: 'x' } }, /message id or null/],
      ['a join of a bad room', 'join room', { room: '' }, /^room must be/],
    ])('answers %s with an error and stores nothing', async (_what, event, payload, expected) => {
      const answer = await client.request<{ error?: string }>(event, payload);
      expect(answer.error).toMatch(expected);
      expect(await redis.xlen('ringchat:room:{clean}:messages')).toBe(0);
    });

    it('names each refusal with a code next to its text', async () => {
      expect(await client.request('launch missiles', {})).toMatchObject({ code: 'unknown_event' });
      expect(await client.request('chat message', { room: 'clean', message: '' })).toMatchObject({
        code: 'invalid',
      });
      expect(
        await client.request('chat message', { room: 'clean', message: 'x'.repeat(2001) }),
      ).toMatchObject({ error: 'message must be at most 2000 characters', code: 'too_large' });
      expect(await client.request('history', { room: 'elsewhere' })).toMatchObject({
        error: 'join room elsewhere first',
        code: 'not_member',
      });
    });

    it('survives an oversized payload, and the node stays ready', async () => {
      const big = await chat('big', { transports: ['websocket'] });
      big.socket.emit('chat message', { room: 'clean', message: 'x'.repeat(2_000_000) });
      await waitFor('the oversized connection to be closed', () => big.disconnects.length > 0);
      for (const node of cluster.nodes.filter((n) => n.process.running)) {
        expect((await fetch(`${node.url}/readyz`)).status).toBe(200);
      }
      expect(await client.request('members', { room: 'clean' })).toMatchObject({ ok: true });
      expect(await redis.xlen('ringchat:room:{clean}:messages')).toBe(0);
    });

    it('limits a flooding client while others are unaffected', async () => {
      const flooder = await chat('flooder', { transports: ['websocket'] });
      const calm = await chat('calm', { transports: ['websocket'] });
      await flooder.join('flood');
      await calm.join('flood');
      const answers = await Promise.all(
        Array.from({ length: 200 }, (_, i) =>
          flooder.request<{ ok?: true; error?: string; code?: string }>('chat message', {
            room: 'flood',
            message: `spam ${i}`,
          }),
        ),
      );
      const limited = answers.filter((a) => a.error?.startsWith('rate limit exceeded'));
      const accepted = answers.filter((a) => a.ok);
      expect(limited.length).toBeGreaterThan(100);
      expect(limited.every((a) => a.code === 'rate_limited')).toBe(true);
      // The burst (40, less the join) and what refilled meanwhile, then refusals.
      expect(accepted.length).toBeGreaterThanOrEqual(35);
      expect(accepted.length).toBeLessThan(80);
      for (let i = 0; i < 10; i++) {
        expect(await calm.request('chat message', { room: 'flood', message: `calm ${i}` })).toMatchObject({
          ok: true,
        });
      }
      expect(await redis.xlen('ringchat:room:{flood}:messages')).toBe(accepted.length + 10);
      await waitFor(
        'calm to receive its own ten',
        () => calm.events<Message>('chat message').filter((m) => m.user === 'calm').length === 10,
      );
    });
  });
});
