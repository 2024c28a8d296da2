import type { RingchatClient } from '@app/chat-client';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  connectChat,
  connectRingchat,
  idsIn,
  useCluster,
  waitFor,
  type ChatClient,
  type ClusterFixture,
} from '../harness/index.js';

interface Message {
  id: string;
  message: string;
}
interface HistoryAnswer {
  ok?: true;
  code?: string;
  messages: Message[];
  more: boolean;
  next?: string;
  recovered?: boolean;
}
interface RoomsAnswer {
  ok?: true;
  code?: string;
  rooms: Array<{ room: string; members: number }>;
  next?: string;
}
interface Refused {
  ok?: true;
  error?: string;
  code?: string;
}

const streamKey = (room: string) => `ringchat:room:{${room}}:messages`;
const roomNames = (prefix: string, count: number) => Array.from({ length: count }, (_, i) => `${prefix}${i}`);
/** `{room: null}` for each room: a resume of rooms never seen. */
const fresh = (rooms: string[]) => Object.fromEntries(rooms.map((room) => [room, null]));

/** A command connection to the fixture's Redis, opened once the cluster runs (hooks run in order). */
function useRedis(fixture: ClusterFixture): { redis: Redis } {
  const handle = {} as { redis: Redis };
  beforeAll(() => {
    handle.redis = new Redis(fixture.cluster.redis.url);
  });
  afterAll(() => handle.redis?.disconnect());
  return handle;
}

describe('bounds and authorization on three nodes', () => {
  const fixture = useCluster({
    nodes: 3,
    nodeEnv: {
      LOG_LEVEL: 'info',
      RATE_LIMIT_PER_SEC: '2',
      ROOMS_PER_CONNECTION: '20',
      ROOMS_PAGE_MAX: '10',
      HISTORY_ANSWER_MAX_MESSAGES: '25',
      HISTORY_ANSWER_MAX_BYTES: '8192',
    },
  });
  const handle = useRedis(fixture);
  const closers = fixture.clients;

  async function chat(user: string): Promise<ChatClient> {
    const client = await connectChat(fixture.cluster.url, user, { transports: ['websocket'] });
    closers.push(client);
    return client;
  }

  /** `count` messages of about 1,000 bytes in `room`, sent by four writers (within their bursts). */
  async function fill(room: string, count: number): Promise<void> {
    const writers = await Promise.all(['w1', 'w2', 'w3', 'w4'].map((user) => chat(`${room}-${user}`)));
    for (const writer of writers) await writer.join(room);
    for (let i = 0; i < count; i++) {
      const answer = await writers[i % 4].request<Refused>('chat message', {
        room,
        message: `${i} ${'m'.repeat(1000)}`,
      });
      expect(answer).toMatchObject({ ok: true });
    }
    for (const writer of writers) writer.close();
  }

  it('refuses a one-character message of 32 KB by its UTF-8 bytes', async () => {
    const client = await chat('marks');
    await client.join('marks');
    // A letter and 15,999 combining marks: one character, 31,999 bytes.
    const tower = `a${'\u0301'.repeat(15_999)}`;
    expect(await client.request('chat message', { room: 'marks', message: tower })).toEqual({
      error: 'message must be at most 16384 bytes (UTF-8)',
      code: 'too_large',
    });
    expect(await handle.redis.exists(streamKey('marks'))).toBe(0);
    expect(await client.request('chat message', { room: 'marks', message: 'é'.repeat(2000) })).toMatchObject({
      ok: true,
    });
  });

  it('caps every history answer in count and bytes; the continuation gets the rest, once each, in order', async () => {
    await fill('archive', 60);
    const stored = (await handle.redis.xrange(streamKey('archive'), '-', '+')).map(([id]) => id);
    expect(stored).toHaveLength(60);
    const reader = await chat('reader');
    await reader.join('archive');
    const join = reader.events<HistoryAnswer>('history')[0];
    // About 1,045 bytes a message: 7 fit 8,192 bytes.
    expect(join.messages.length).toBe(7);
    expect(join.more).toBe(true);

    const seen: string[] = [];
    let after = '0-0';
    for (let answers = 0; ; answers++) {
      expect(answers).toBeLessThan(20);
      const answer = await reader.request<HistoryAnswer>('history', { room: 'archive', after });
      expect(answer).toMatchObject({ ok: true, recovered: true });
      expect(answer.messages.length).toBeGreaterThan(0);
      expect(answer.messages.length).toBeLessThanOrEqual(7);
      seen.push(...answer.messages.map((m) => m.id));
      if (answer.next === undefined) break;
      expect(answer.next).toBe(answer.messages.at(-1)!.id);
      after = answer.next;
    }
    expect(seen).toEqual(stored);

    // Older pages: bounded the same way, whatever limit is asked for.
    const page = await reader.request<HistoryAnswer>('history', { room: 'archive', limit: 500 });
    expect(page.messages.map((m) => m.id)).toEqual(stored.slice(-7));
    expect(page.more).toBe(true);
  });

  it('brings a resuming client up to date through continuations: what it missed, in order, once', async () => {
    const x: RingchatClient = await connectRingchat(fixture.cluster.url, 'x', { transports: ['websocket'] });
    closers.push(x);
    const cutShort: string[] = [];
    x.on('history', (event) => {
      if (event.next !== undefined) cutShort.push(event.next);
    });
    await x.join('missed');
    const sender = await chat('sender');
    await sender.join('missed');
    await sender.request('chat message', { room: 'missed', message: 'before the cut' });
    await waitFor('x to see the first message', () => idsIn(x, 'missed').length === 1);

    x.socket.io.reconnection(false);
    x.socket.io.engine.close();
    await waitFor('x to be cut off', () => x.status !== 'connected');
    await fill('missed', 50);
    x.socket.connect();
    const stored = (await handle.redis.xrange(streamKey('missed'), '-', '+')).map(([id]) => id);
    await waitFor('x to catch up', () => idsIn(x, 'missed').length >= stored.length, 15_000);
    expect(idsIn(x, 'missed')).toEqual(stored);
    expect(x.rooms.get('missed')!.gap).toBe(false);
    // The replay after the reconnect was cut short and continued.
    expect(cutShort.length).toBeGreaterThan(0);
    // Live messages still arrive afterwards.
    await sender.request('chat message', { room: 'missed', message: 'after' });
    await waitFor('x to see the live message', () => idsIn(x, 'missed').length === stored.length + 1);
  });

  it('charges a resume one rate-limit token per room', async () => {
    const client = await chat('resumer');
    const rooms = roomNames('paid', 20);
    const answer = await client.request<{ ok?: true; recovered: Record<string, boolean> }>('resume', {
      rooms: fresh(rooms),
    });
    expect(Object.keys(answer.recovered).sort()).toEqual([...rooms].sort());
    // 40 tokens, 20 paid for the rooms: about 20 sends left (before: 39).
    const answers = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        client.request<Refused>('chat message', { room: 'paid0', message: `#${i}` }),
      ),
    );
    const accepted = answers.filter((a) => a.ok).length;
    expect(accepted).toBeGreaterThanOrEqual(15);
    expect(accepted).toBeLessThanOrEqual(24);
    expect(answers.filter((a) => !a.ok).every((a) => a.code === 'rate_limited')).toBe(true);
  });

  it('caps the rooms of one connection, for joins and resumes alike', async () => {
    const client = await chat('collector');
    for (const room of roomNames('own', 20)) await client.join(room);
    expect(await client.request('join room', { room: 'one-more' })).toEqual({
      error: 'at most 20 rooms per connection: leave one first',
      code: 'too_many_rooms',
    });
    const other = await chat('collector2');
    await other.join('first');
    expect(await other.request('resume', { rooms: fresh(roomNames('many', 20)) })).toMatchObject({
      code: 'too_many_rooms',
    });
    // Rooms already joined do not count twice.
    expect(await client.request('resume', { rooms: fresh(['own0', 'own1']) })).toMatchObject({ ok: true });
  });

  it('tells members only to members', async () => {
    const member = await chat('insider');
    await member.join('private');
    const outsider = await chat('outsider');
    expect(await outsider.request('members', { room: 'private' })).toEqual({
      error: 'join room private first',
      code: 'not_member',
    });
    expect(await member.request('members', { room: 'private' })).toMatchObject({
      ok: true,
      members: [{ user: 'insider' }],
    });
  });

  it('pages the room directory, and drops rooms from every registry when they empty', async () => {
    const a = await chat('dir-a');
    const b = await chat('dir-b');
    const rooms = roomNames('dir', 25);
    for (const [i, room] of rooms.entries()) await (i % 2 === 0 ? a : b).join(room);

    const listed: string[] = [];
    let cursor: string | undefined;
    for (let pages = 0; ; pages++) {
      expect(pages).toBeLessThan(20);
      const page = await a.request<RoomsAnswer>('rooms', { ...(cursor ? { cursor } : {}), limit: 500 });
      expect(page.ok).toBe(true);
      expect(page.rooms.length).toBeLessThanOrEqual(10);
      listed.push(...page.rooms.map((r) => r.room));
      if (page.next === undefined) break;
      cursor = page.next;
    }
    expect(new Set(listed).size).toBe(listed.length);
    expect([...listed].sort()).toEqual(listed);
    for (const room of rooms) expect(listed).toContain(room);

    const nodes = [...new Set([a.session.node, b.session.node])];
    a.close();
    b.close();
    await waitFor('the directory to drop the empty rooms', async () => {
      const left = await handle.redis.zmscore('ringchat:room-directory', ...rooms);
      return left.every((score) => score === null);
    });
    for (const node of nodes) {
      const counts = await handle.redis.hmget(`ringchat:node:${node}:room-connections`, ...rooms);
      expect(counts.every((count) => count === null)).toBe(true);
    }
    expect(await handle.redis.hmget('ringchat:room-members', ...rooms)).toEqual(rooms.map(() => null));
    const after = await (await chat('dir-c')).request<RoomsAnswer>('rooms', {});
    expect(after.rooms.filter((r) => r.room.startsWith('dir'))).toEqual([]);
  });
});

/** Answers of one flooding connection: how many and how large. */
interface FloodTally {
  answers: number;
  refused: number;
  bytes: number;
}

/**
 * Long enough for a starved heartbeat to show: over twice the member TTL (3 s),
 * so a node whose heartbeats stalled would be dropped from the rings meanwhile.
 */
const FLOOD_MS = 8000;

describe('a node flooded with the costliest allowed requests', () => {
  const fixture = useCluster({ nodes: 3, nodeEnv: { LOG_LEVEL: 'info' } });
  const handle = useRedis(fixture);
  const closers = fixture.clients;

  beforeAll(async () => {
    const { redis } = handle;
    // 1,000 messages of the largest size allowed (16 KB), and 44,000 rooms in the directory.
    const big = 'x'.repeat(16_384);
    for (let batch = 0; batch < 10; batch++) {
      const pipeline = redis.pipeline();
      for (let i = 0; i < 100; i++) {
        pipeline.xadd(streamKey('heavy'), '*', 'user', 'filler', 'message', big, 'node', 'node1', 'cid', '');
      }
      await pipeline.exec();
    }
    for (let batch = 0; batch < 44; batch++) {
      const names = roomNames(`busy${batch}-`, 1000);
      await handle.redis.zadd('ringchat:room-directory', ...names.flatMap((name) => [0, name]));
      await handle.redis.hset('ringchat:room-members', Object.fromEntries(names.map((name) => [name, 1])));
    }
  }, 120_000);

  it(`stays in every ring and ready within 1 s while six connections flood it for ${FLOOD_MS / 1000} s`, async () => {
    const target = fixture.cluster.node('node1');
    const flooders = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        connectChat(target.url, `flood${i}`, { transports: ['websocket'], timeout: 20_000 }),
      ),
    );
    closers.push(...flooders);
    for (const flooder of flooders) await flooder.join('heavy');

    const lagOf = async (node: { url: string }): Promise<number> => {
      const report = (await (await fetch(`${node.url}/cluster`)).json()) as {
        eventLoopLag: { maxMs: number };
      };
      return report.eventLoopLag.maxMs;
    };
    const idleLag = await lagOf(target);
    const until = Date.now() + FLOOD_MS;
    const tallies: FloodTally[] = [];
    /** One loop of requests, each sent once the previous one is answered; four loops a connection. */
    const loop = async (client: ChatClient, lane: number): Promise<void> => {
      const tally: FloodTally = { answers: 0, refused: 0, bytes: 0 };
      tallies.push(tally);
      for (let n = 0; Date.now() < until; n++) {
        const kind = (n + lane) % 4;
        const resumed = roomNames(`${client.user}-${lane}-${n}-`, 10);
        const [event, payload]: [string, object] =
          kind === 0
            ? ['history', { room: 'heavy', after: '0-0' }]
            : kind === 1
              ? ['history', { room: 'heavy', limit: 500 }]
              : kind === 2
                ? ['rooms', { cursor: `busy${n % 44}-`, limit: 1000 }]
                : ['resume', { rooms: fresh(resumed) }];
        const answer = await client.request<Refused>(event, payload, 20_000).catch(() => undefined);
        if (!answer?.ok) {
          tally.refused++;
          await new Promise((resolve) => setTimeout(resolve, 25));
          continue;
        }
        tally.answers++;
        tally.bytes += JSON.stringify(answer).length;
        // Leave what a resume joined, so the next resume fits the rooms per connection.
        if (event === 'resume') for (const room of resumed) client.socket.emit('leave room', { room });
      }
    };

    const worstReady = { ms: 0, failures: 0, polls: 0 };
    let leftRing = 0;
    let worstLag = 0;
    const watch = (async () => {
      while (Date.now() < until) {
        const started = Date.now();
        const ready = await fetch(`${target.url}/readyz`, { signal: AbortSignal.timeout(5000) }).catch(
          () => undefined,
        );
        worstReady.ms = Math.max(worstReady.ms, Date.now() - started);
        worstReady.polls++;
        if (ready?.status !== 200) worstReady.failures++;
        for (const node of fixture.cluster.nodes) {
          const report = (await (await fetch(`${node.url}/cluster`)).json()) as {
            members: Array<{ id: string }>;
            eventLoopLag: { maxMs: number };
          };
          if (!report.members.some((m) => m.id === target.id)) leftRing++;
          if (node === target) worstLag = Math.max(worstLag, report.eventLoopLag.maxMs);
        }
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    })();
    await Promise.all([
      ...flooders.flatMap((client) => [0, 1, 2, 3].map((lane) => loop(client, lane))),
      watch,
    ]);

    const answers = tallies.reduce((sum, t) => sum + t.answers, 0);
    const refused = tallies.reduce((sum, t) => sum + t.refused, 0);
    const megabytes = tallies.reduce((sum, t) => sum + t.bytes, 0) / 1e6;
    console.info(
      `[flood] 6 connections x 4 lanes, ${FLOOD_MS / 1000} s: ${answers} answers (${megabytes.toFixed(1)} MB), ${refused} refused; ` +
        `/readyz worst ${worstReady.ms} ms over ${worstReady.polls} polls, ${worstReady.failures} failed; ` +
        `node1 left a ring ${leftRing} times; event-loop lag worst ${worstLag} ms (idle: ${idleLag} ms)`,
    );
    expect(answers).toBeGreaterThan(100);
    expect(leftRing).toBe(0);
    expect(worstReady.failures).toBe(0);
    expect(worstReady.ms).toBeLessThan(1000);
    expect(worstLag).toBeLessThan(1000);
    // The flooders are still served.
    for (const flooder of flooders) expect(flooder.socket.connected).toBe(true);
  }, 90_000);
});
