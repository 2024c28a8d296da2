import type { RingchatClient } from '@app/chat-client';
import type { ChatMessageEvent, DirectEvent, RoomListEvent, RoomListing } from '@app/chat-protocol';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import {
  connectChat,
  connectRingchat,
  idsIn,
  useCluster,
  waitFor,
  waitForEvents,
  type ChatClient,
} from '../harness/index.js';

type Answer<T = object> = ({ ok: true } & T) | { error: string; code: string };
const IDLE_MS = 3000;
const TYPING_EXPIRY_MS = 2500;

/**
 * Edits and deletes, typing, the rooms list and direct rooms, on one cluster
 * of three nodes (clients placed on chosen nodes by connecting to them). The
 * node-kill test is last: it leaves two nodes.
 */
describe('conversation features across three nodes', () => {
  const fixture = useCluster({
    nodes: 3,
    nodeEnv: {
      LOG_LEVEL: 'info',
      MEMBER_TTL_MS: '2000',
      HEARTBEAT_INTERVAL_MS: '500',
      ROOM_LIST_IDLE_MS: String(IDLE_MS),
      TYPING_EXPIRY_MS: String(TYPING_EXPIRY_MS),
    },
  });
  const nodeUrl = (i: number): string => fixture.cluster.nodes[i].url;

  async function raw(user: string, node: number, auth: object = {}): Promise<ChatClient> {
    const client = await connectChat(nodeUrl(node), user, { auth: { user, ...auth } });
    fixture.clients.push(client);
    return client;
  }
  async function ringchat(user: string, url: string): Promise<RingchatClient> {
    const client = await connectRingchat(url, user);
    fixture.clients.push(client);
    return client;
  }
  const changesOf = (client: ChatClient, id: string): ChatMessageEvent[] =>
    client.events<ChatMessageEvent>('message changed').filter((change) => change.id === id);

  it('delivers edits and deletes across nodes once each, live and on resume; others are refused', async () => {
    const alice = await ringchat('alice', nodeUrl(0));
    const bob = await ringchat('bob', nodeUrl(1));
    const carol = await raw('carol', 2);
    for (const client of [alice, bob]) await client.join('edits');
    await carol.join('edits');
    const [first, second, third] = [
      await alice.send('edits', 'first'),
      await alice.send('edits', 'second'),
      await alice.send('edits', 'third secret'),
    ];
    const lastSeen = third;
    await waitFor('bob to hold the three messages', () => idsIn(bob, 'edits').length === 3);

    const changes: Array<[ChatMessageEvent, ChatMessageEvent | undefined]> = [];
    bob.on('change', (change, target) => changes.push([change, target]));
    const edit = await alice.editMessage('edits', first, 'first, edited', 'edit-1');
    await waitFor('bob to see the edit', () => changes.length === 1);
    expect(changes[0][0]).toMatchObject({ id: edit, kind: 'edit', target: first, message: 'first, edited' });
    expect(bob.rooms.get('edits')!.messages[0]).toMatchObject({ message: 'first, edited', edited: edit });
    // The very same edit again (a retry) is stored and delivered once.
    const retried = await alice.editMessage('edits', first, 'first, edited', 'edit-1');
    expect(retried).toBe(edit);

    // Another identity may not change alice's message; an unknown or a change entry is no target.
    const bobRaw = await raw('bob-raw', 2);
    await bobRaw.join('edits');
    expect(
      await bobRaw.request('edit message', { room: 'edits', id: second, message: 'hijack' }),
    ).toMatchObject({
      code: 'forbidden',
    });
    expect(await bobRaw.request('delete message', { room: 'edits', id: second })).toMatchObject({
      code: 'forbidden',
    });
    expect(await bobRaw.request('delete message', { room: 'edits', id: '1-0' })).toMatchObject({
      code: 'invalid',
    });
    expect(await carol.request('delete message', { room: 'edits', id: edit })).toMatchObject({
      code: 'invalid',
    });
    expect(await bobRaw.request('edit message', { room: 'nowhere', id: second, message: 'x' })).toMatchObject(
      {
        code: 'not_member',
      },
    );

    // A client away during an edit and a delete gets both once on resume, the texts up to date.
    const dave = await raw('dave', 0, { rooms: { edits: lastSeen } });
    await waitForEvents(dave, 'history', 1);
    dave.close();
    const secondEdit = await alice.editMessage('edits', second, 'second, edited');
    const deletion = await alice.deleteMessage('edits', third);
    expect(
      await alice.editMessage('edits', third, 'too late').catch((error: Error) => error.message),
    ).toMatch(/deleted/);
    const back = await raw('dave', 1, { rooms: { edits: lastSeen } });
    const [replay] = await waitForEvents<{ messages: ChatMessageEvent[]; recovered: boolean }>(
      back,
      'history',
      1,
    );
    expect(replay.recovered).toBe(true);
    expect(replay.messages.map((m) => [m.id, m.kind, m.target])).toEqual([
      [edit, 'edit', first],
      [secondEdit, 'edit', second],
      [deletion, 'delete', third],
    ]);

    await waitFor('carol to see every change', () => changesOf(carol, deletion).length === 1);
    for (const id of [edit, secondEdit, deletion]) expect(changesOf(carol, id)).toHaveLength(1);
    await waitFor('bob to see the delete', () => changes.length === 3);
    expect(changes.map(([change]) => change.id)).toEqual([edit, secondEdit, deletion]);
    expect(bob.rooms.get('edits')!.messages.map((m) => [m.message, m.deleted ?? false])).toEqual([
      ['first, edited', false],
      ['second, edited', false],
      ['', true],
    ]);

    // History serves the latest text and never a deleted one.
    const page = await carol.request<Answer<{ messages: ChatMessageEvent[] }>>('history', { room: 'edits' });
    if (!('ok' in page)) throw new Error(page.error);
    const texts = page.messages.filter((m) => !m.kind).map((m) => m.message);
    expect(texts).toEqual(['first, edited', 'second, edited', '']);
    expect(JSON.stringify(page)).not.toContain('secret');
    expect(page.messages.find((m) => m.id === first)).toMatchObject({ edited: edit });
    expect(page.messages.find((m) => m.id === third)).toMatchObject({ deleted: true, edited: deletion });
  });

  it('relays typing across nodes, throttled, never stored, expiring or cleared at once', async () => {
    const typist = await raw('typist', 0);
    const watcher = await ringchat('watcher', nodeUrl(1));
    const far = await raw('far', 2);
    await typist.join('typing');
    await watcher.join('typing');
    await far.join('typing');
    for (let i = 0; i < 5; i++)
      expect(await typist.request('typing', { room: 'typing' })).toEqual({ ok: true });
    await waitFor('the watcher to see the typist', () => watcher.typists('typing').length === 1);
    expect(watcher.typists('typing')[0]).toMatchObject({ user: 'typist', userId: typist.session.userId });
    await waitForEvents(far, 'typing', 1);
    expect(typist.events('typing')).toEqual([]);
    // Throttled: five in a burst went out once.
    await watcher.roomList();
    expect(far.events('typing')).toEqual([
      {
        room: 'typing',
        user: 'typist',
        userId: typist.session.userId,
        guest: true,
        expiresInMs: TYPING_EXPIRY_MS,
      },
    ]);
    // Without a refresh, the typist is gone within the expiry.
    const shownAt = Date.now();
    await waitFor(
      'the typist to expire',
      () => watcher.typists('typing').length === 0,
      TYPING_EXPIRY_MS + 2000,
    );
    expect(Date.now() - shownAt).toBeGreaterThan(TYPING_EXPIRY_MS - 1000);

    // A stop clears it at once; so does leaving the room.
    await waitFor(
      'the throttle to pass',
      async () => {
        await typist.request('typing', { room: 'typing' });
        return watcher.typists('typing').length === 1;
      },
      5000,
      250,
    );
    await typist.request('typing', { room: 'typing', stopped: true });
    await waitFor('the stop to clear the typist', () => watcher.typists('typing').length === 0, 1000);
    // After a stop, the next typing goes out at once, throttle or not.
    await typist.request('typing', { room: 'typing' });
    await waitFor('the typist again', () => watcher.typists('typing').length === 1, 1000);
    await typist.request('leave room', { room: 'typing' });
    await waitFor('the leave to clear the typist', () => watcher.typists('typing').length === 0, 1000);
    expect(await typist.request('typing', { room: 'typing' })).toMatchObject({ code: 'not_member' });
    expect(fixture.cluster.logsContaining('typing').filter((line) => /error/i.test(line))).toEqual([]);
    // Never stored: the room has no stream at all.
    const redis = new Redis(fixture.cluster.redis.url);
    try {
      expect(await redis.exists('ringchat:room:{typing}:messages')).toBe(0);
    } finally {
      redis.disconnect();
    }
  });

  it('sends the rooms list at sign-in, each room once, most recent first; empty rooms age out', async () => {
    const host = await raw('host', 0);
    await host.join('quiet room');
    await host.join('busy room');
    await host.request('chat message', { room: 'busy room', message: 'hello' });
    const newcomer = await raw('newcomer', 1);
    // Sent right after the session, without asking.
    const [list] = await waitForEvents<RoomListEvent>(newcomer, 'room list', 1, 2000);
    const names = list.rooms.map((r) => r.room);
    expect(new Set(names).size).toBe(names.length);
    expect(names.indexOf('busy room')).toBeLessThan(names.indexOf('quiet room'));
    expect(list.rooms.find((r) => r.room === 'busy room')).toMatchObject({ members: 1 });
    const activity = list.rooms.map((r) => r.lastActivity);
    expect([...activity].sort((a, b) => b - a)).toEqual(activity);

    // Empty, the room stays listed for the idle time, then leaves the list; its history stays.
    await host.request('leave room', { room: 'busy room' });
    const listed = async (): Promise<RoomListing | undefined> => {
      const answer = await newcomer.request<Answer<RoomListEvent>>('room list', {});
      if (!('ok' in answer)) throw new Error(answer.error);
      return answer.rooms.find((r) => r.room === 'busy room');
    };
    expect(await listed()).toMatchObject({ members: 0 });
    const emptiedAt = Date.now();
    await waitFor('the empty room to age out', async () => (await listed()) === undefined, IDLE_MS + 3000);
    expect(Date.now() - emptiedAt).toBeGreaterThan(IDLE_MS - 1500);
    expect(await newcomer.request('room list', { limit: 0 })).toMatchObject({ code: 'invalid' });
    await newcomer.join('busy room');
    const [history] = await waitForEvents<{ room: string; messages: ChatMessageEvent[] }>(
      newcomer,
      'history',
      1,
    );
    expect(history.messages.map((m) => m.message)).toEqual(['hello']);
  });

  it('keeps a direct room to its two people: the other hears of it, a third is refused', async () => {
    const ann = await ringchat('ann', nodeUrl(0));
    const ben = await raw('ben', 1);
    const eve = await raw('eve', 2);
    const direct = await ann.openDirect(ben.session.userId, 'ben');
    expect(direct.direct).toEqual({ user: 'ben', userId: ben.session.userId, guest: true });
    const [heard] = await waitForEvents<DirectEvent>(ben, 'direct', 1);
    expect(heard).toMatchObject({ room: direct.room, direct: { user: 'ann', userId: ann.session!.userId } });
    await ann.send(direct.room, 'psst');
    await ben.join(direct.room);
    const [history] = await waitForEvents<{ messages: ChatMessageEvent[] }>(ben, 'history', 1);
    expect(history.messages.map((m) => m.message)).toEqual(['psst']);
    const bensList = await ben.request<Answer<RoomListEvent>>('room list', {});
    expect('ok' in bensList && bensList.rooms.find((r) => r.room === direct.room)).toMatchObject({
      members: 2,
      direct: { userId: ann.session!.userId },
    });

    // Eve can neither enter, read nor see it.
    expect(await eve.request('join room', { room: direct.room })).toMatchObject({ code: 'forbidden' });
    expect(await eve.request('resume', { rooms: { [direct.room]: null } })).toMatchObject({
      code: 'forbidden',
    });
    expect(await eve.request('history', { room: direct.room })).toMatchObject({ code: 'not_member' });
    expect(await eve.request('members', { room: direct.room })).toMatchObject({ code: 'not_member' });
    const evesList = await eve.request<Answer<RoomListEvent>>('room list', {});
    expect('ok' in evesList && evesList.rooms.map((r) => r.room)).not.toContain(direct.room);
    const directory = await eve.request<Answer<{ rooms: Array<{ room: string }> }>>('rooms', {});
    expect('ok' in directory && directory.rooms.map((r) => r.room)).not.toContain(direct.room);
    expect(eve.events('chat message')).toEqual([]);
    // Opening one with oneself, or with a made-up id, is refused.
    expect(await eve.request('open direct', { userId: eve.session.userId })).toMatchObject({
      code: 'invalid',
    });
    expect(await eve.request('open direct', { userId: 'nobody' })).toMatchObject({ code: 'invalid' });
  });

  it('delivers a direct conversation exactly once while the node of one side is killed', async () => {
    // Through nginx, so the killed side reconnects to another node.
    const sender = await ringchat('sender', fixture.cluster.url);
    let receiver: RingchatClient | undefined;
    for (let i = 0; i < 12 && !receiver; i++) {
      const candidate = await ringchat(`receiver${i}`, fixture.cluster.url);
      if (candidate.session!.node !== sender.session!.node) receiver = candidate;
      else candidate.close();
    }
    if (!receiver) throw new Error('no receiver on another node');
    const received = receiver;
    const victim = fixture.cluster.node(received.session!.node);
    const opened = new Promise<DirectEvent>((resolve) => received.on('direct', resolve));
    const { room } = await sender.openDirect(received.session!.userId, received.user);
    await received.join((await opened).room);

    const acked: string[] = [];
    for (let n = 0; n < 30; n++) {
      if (n === 10) victim.process.kill('SIGKILL');
      acked.push(await sender.send(room, `dm #${n}`));
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await waitFor(
      'the receiver to hold all 30',
      () => acked.every((id) => idsIn(received, room).includes(id)),
      20_000,
    );
    expect(received.session!.node).not.toBe(victim.id);
    expect(idsIn(received, room)).toEqual(acked);
    expect(received.rooms.get(room)!.gap).toBe(false);
    expect(received.rooms.get(room)!.messages.map((m) => m.message)).toEqual(acked.map((_, n) => `dm #${n}`));
  }, 40_000);
});
