import {
  ChatEvent,
  ErrorCode,
  type AnswerOf,
  type ChatMessageEvent,
  type ClientEventName,
  type RequestOf,
} from '@app/chat-protocol';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ChatClientCore, type ChatClientOptions, type SendRetry } from './chat-client-core.js';
import type { ChatConnection, ConnectionEventArgs, ConnectionOptions } from './chat-connection.js';
import { ChatRefusal } from './chat-refusal.js';
import { TinyEmitter } from './tiny-emitter.js';

/** How the fake server answers one event: an answer, or undefined for none at all. */
type FakeHandlers = {
  [E in ClientEventName]?: (payload: RequestOf<E>) => AnswerOf<E> | undefined;
};

/** An in-process connection: the spec plays the server, the socket and the clock. */
class FakeConnection extends TinyEmitter<ConnectionEventArgs> implements ChatConnection {
  connected = false;
  active = true;
  readonly requests: Array<{ event: ClientEventName; payload: unknown; at: number }> = [];
  readonly handlers: FakeHandlers = {};
  private readonly unanswered = new Set<(error: Error) => void>();

  async request<E extends ClientEventName>(
    event: E,
    payload: RequestOf<E>,
    timeoutMs: number,
  ): Promise<AnswerOf<E>> {
    this.requests.push({ event, payload, at: Date.now() });
    const handler = this.handlers[event];
    const answer = this.connected ? handler?.(payload) : undefined;
    if (answer !== undefined) return answer;
    // Like socket.io's timeout(): no answer means a rejection after timeoutMs, or at the disconnect.
    return new Promise((_resolve, reject) => {
      const timer = setTimeout(() => fail(new Error('operation has timed out')), timeoutMs);
      const fail = (error: Error): void => {
        clearTimeout(timer);
        this.unanswered.delete(fail);
        reject(error);
      };
      this.unanswered.add(fail);
    });
  }

  close(): void {
    this.connected = false;
    this.active = false;
  }

  connect(): void {
    this.connected = true;
    this.emit('connect');
  }

  drop(): void {
    this.connected = false;
    for (const fail of this.unanswered) fail(new Error('socket has been disconnected'));
    this.emit('disconnect');
  }

  fire<E extends keyof ConnectionEventArgs>(event: E, ...args: ConnectionEventArgs[E]): void {
    this.emit(event, ...args);
  }

  sent(event: ClientEventName): unknown[] {
    return this.requests.filter((r) => r.event === event).map((r) => r.payload);
  }
}

const ACK_TIMEOUT_MS = 1000;

function message(room: string, seq: number, prev?: number): ChatMessageEvent {
  return {
    id: `1000-${seq}`,
    room,
    user: 'u',
    userId: 'g_u',
    guest: true,
    message: `#${seq}`,
    ts: 1000,
    node: 'node1',
    ...(prev === undefined ? {} : { prev: `1000-${prev}` }),
  };
}

describe('ChatClientCore', () => {
  let fake: FakeConnection;
  let client: ChatClientCore<FakeConnection>;
  let errors: Error[];

  beforeEach(async () => {
    vi.useFakeTimers();
    fake = new FakeConnection();
    fake.handlers[ChatEvent.JoinRoom] = () => ({ ok: true });
    client = new ChatClientCore(
      { url: '', user: 'me', ackTimeoutMs: ACK_TIMEOUT_MS, retry: { maxAttempts: 4 } },
      () => fake,
    );
    errors = [];
    client.on('error', (error) => errors.push(error));
    fake.connect();
    await client.join('r');
    fake.fire(ChatEvent.History, { room: 'r', messages: [message('r', 1)], more: false });
  });

  afterEach(() => {
    client.close();
    vi.useRealTimers();
  });

  const ids = (): string[] => client.rooms.get('r')!.messages.map((m) => m.id);

  describe('gap healing', () => {
    it('fetches what it missed before showing a message whose predecessor never came', async () => {
      fake.handlers[ChatEvent.History] = ({ room, after }) => ({
        ok: true,
        room,
        messages: after === '1000-1' ? [message('r', 2, 1)] : [],
        more: true,
        recovered: true,
      });
      const shown: string[] = [];
      client.on('message', (m) => shown.push(m.id));
      fake.fire(ChatEvent.ChatMessage, message('r', 3, 2));
      await vi.advanceTimersByTimeAsync(0);
      expect(fake.sent(ChatEvent.History)).toEqual([{ room: 'r', after: '1000-1' }]);
      expect(shown).toEqual(['1000-2', '1000-3']);
      expect(ids()).toEqual(['1000-1', '1000-2', '1000-3']);
      expect(client.rooms.get('r')!.gap).toBe(false);
    });

    it('in a room it joined empty, fetches the latest page before a message whose predecessor never came', async () => {
      await client.join('empty');
      fake.fire(ChatEvent.History, { room: 'empty', messages: [], more: false });
      const missed = message('empty', 1);
      fake.handlers[ChatEvent.History] = ({ room, after }) => ({
        ok: true,
        room,
        messages: after === undefined ? [missed, message('empty', 2, 1)] : [],
        more: false,
      });
      fake.fire(ChatEvent.ChatMessage, message('empty', 2, 1));
      await vi.advanceTimersByTimeAsync(0);
      expect(fake.sent(ChatEvent.History)).toEqual([{ room: 'empty' }]);
      expect(client.rooms.get('empty')!.messages.map((m) => m.id)).toEqual(['1000-1', '1000-2']);
    });

    it('takes the first message of a room it joined empty as it comes', () => {
      fake.handlers[ChatEvent.History] = () => undefined;
      void client.join('empty');
      fake.fire(ChatEvent.History, { room: 'empty', messages: [], more: false });
      fake.fire(ChatEvent.ChatMessage, message('empty', 1));
      expect(fake.sent(ChatEvent.History)).toEqual([]);
      expect(client.rooms.get('empty')!.messages.map((m) => m.id)).toEqual(['1000-1']);
    });

    it('holds live messages while it fetches, and shows each once, in order', () => {
      fake.handlers[ChatEvent.History] = () => undefined;
      fake.fire(ChatEvent.ChatMessage, message('r', 3, 2));
      fake.fire(ChatEvent.ChatMessage, message('r', 4, 3));
      expect(ids()).toEqual(['1000-1']);
      // The reconnect's resume replays the gap, overlapping what is held: the held ones follow it.
      fake.drop();
      fake.connect();
      const replay = [message('r', 2), message('r', 3)];
      fake.fire(ChatEvent.History, { room: 'r', messages: replay, more: true, recovered: true });
      expect(ids()).toEqual(['1000-1', '1000-2', '1000-3', '1000-4']);
    });

    it('follows the continuations of a replay cut short, holding live messages until the end', async () => {
      // The server answers two messages at a time: 4-5, then 6 (the end).
      fake.handlers[ChatEvent.History] = ({ room, after }) => {
        const from = Number(after!.split('-')[1]) + 1;
        const messages = [from, from + 1].filter((seq) => seq <= 6).map((seq) => message('r', seq));
        const next = messages.at(-1)!.id;
        return { ok: true, room, messages, more: true, recovered: true, ...(from + 1 < 6 ? { next } : {}) };
      };
      const shown: string[] = [];
      client.on('message', (m) => shown.push(m.id));
      fake.drop();
      fake.connect();
      const replay = [message('r', 2), message('r', 3)];
      fake.fire(ChatEvent.History, {
        room: 'r',
        messages: replay,
        more: true,
        recovered: true,
        next: '1000-3',
      });
      // A live message arrives while the rest is fetched: it waits its turn.
      fake.fire(ChatEvent.ChatMessage, message('r', 7, 6));
      await vi.advanceTimersByTimeAsync(0);
      expect(fake.sent(ChatEvent.History)).toEqual([
        { room: 'r', after: '1000-3' },
        { room: 'r', after: '1000-5' },
      ]);
      expect(ids()).toEqual(['1000-1', '1000-2', '1000-3', '1000-4', '1000-5', '1000-6', '1000-7']);
      expect(shown).toEqual(['1000-4', '1000-5', '1000-6', '1000-7']);
      expect(client.rooms.get('r')!.gap).toBe(false);
    });

    it('retries with back-off, at most maxAttempts times, then shows the gap and says so', async () => {
      fake.handlers[ChatEvent.History] = () => undefined;
      const start = Date.now();
      fake.fire(ChatEvent.ChatMessage, message('r', 3, 2));
      await vi.advanceTimersByTimeAsync(60_000);
      const times = fake.requests.filter((r) => r.event === ChatEvent.History).map((r) => r.at - start);
      // Each try waits its ack timeout (1 s), then 500 ms, 1 s, 2 s.
      expect(times).toEqual([0, 1500, 3500, 6500]);
      const view = client.rooms.get('r')!;
      expect(view.gap).toBe(true);
      expect(view.held).toBeNull();
      expect(ids()).toEqual(['1000-1', '1000-3']);
      expect(errors.map((e) => e.message)).toEqual(['could not fetch the missed messages of r: no answer']);
    });

    it('retries a rate-limited fetch but gives up at once on a refusal that will not change', async () => {
      const answers = [ErrorCode.RateLimited, ErrorCode.NotMember];
      fake.handlers[ChatEvent.History] = () => ({ error: 'no', code: answers.shift()! });
      fake.fire(ChatEvent.ChatMessage, message('r', 3, 2));
      await vi.advanceTimersByTimeAsync(60_000);
      expect(fake.sent(ChatEvent.History)).toHaveLength(2);
      expect(client.rooms.get('r')!.gap).toBe(true);
      expect(errors).toHaveLength(1);
    });

    it('stops while disconnected: the resume after the reconnect fills the gap', async () => {
      fake.handlers[ChatEvent.History] = () => undefined;
      fake.fire(ChatEvent.ChatMessage, message('r', 3, 2));
      fake.drop();
      await vi.advanceTimersByTimeAsync(60_000);
      expect(fake.sent(ChatEvent.History)).toHaveLength(1);
      expect(client.rooms.get('r')!.held).toHaveLength(1);
      expect(errors).toEqual([]);
    });
  });

  describe('sending', () => {
    it('resends an unacked message after a reconnect, with the same clientMsgId', async () => {
      const stored = new Map<string, string>();
      fake.handlers[ChatEvent.ChatMessage] = () => undefined;
      const sent = client.send('r', 'hello');
      fake.drop();
      await vi.advanceTimersByTimeAsync(0);
      fake.handlers[ChatEvent.ChatMessage] = ({ clientMsgId }) => {
        const id = stored.get(clientMsgId!) ?? `1000-${stored.size + 2}`;
        stored.set(clientMsgId!, id);
        return { ok: true, id };
      };
      fake.connect();
      await expect(sent).resolves.toBe('1000-2');
      const [first, second] = fake.sent(ChatEvent.ChatMessage);
      expect(second).toEqual(first);
      expect(stored.size).toBe(1);
    });

    it('sends again after a reconnect even while a back-off is pending, and once', async () => {
      fake.handlers[ChatEvent.ChatMessage] = () => ({ error: 'slow down', code: ErrorCode.RateLimited });
      const sent = client.send('r', 'hello');
      await vi.advanceTimersByTimeAsync(0);
      fake.handlers[ChatEvent.ChatMessage] = () => ({ ok: true, id: '1000-2' });
      fake.drop();
      fake.connect();
      await expect(sent).resolves.toBe('1000-2');
      await vi.advanceTimersByTimeAsync(60_000);
      expect(fake.sent(ChatEvent.ChatMessage)).toHaveLength(2);
    });

    it('waits out a rate limit with back-off, then delivers', async () => {
      const answers: Array<AnswerOf<typeof ChatEvent.ChatMessage>> = [
        { error: 'rate limit exceeded', code: ErrorCode.RateLimited },
        { error: 'internal error, try again', code: ErrorCode.Unavailable },
        { ok: true, id: '1000-2' },
      ];
      fake.handlers[ChatEvent.ChatMessage] = () => answers.shift();
      const start = Date.now();
      const sent = client.send('r', 'hello');
      await vi.advanceTimersByTimeAsync(10_000);
      await expect(sent).resolves.toBe('1000-2');
      const times = fake.requests.filter((r) => r.event === ChatEvent.ChatMessage).map((r) => r.at - start);
      expect(times).toEqual([0, 500, 1500]);
    });

    it('rejects a refused message with the refusal code, without retrying', async () => {
      fake.handlers[ChatEvent.ChatMessage] = ({ room }) => ({
        error: `join room ${room} first`,
        code: ErrorCode.NotMember,
      });
      const sent = client.send('elsewhere', 'hello');
      await expect(sent).rejects.toMatchObject({
        code: ErrorCode.NotMember,
        message: 'join room elsewhere first',
      });
      await vi.advanceTimersByTimeAsync(60_000);
      expect(fake.sent(ChatEvent.ChatMessage)).toHaveLength(1);
    });

    it('retries a send refused as "unavailable" past maxAttempts, backing off to 8 s, until stored once', async () => {
      const stored = new Map<string, string>();
      let storeAway = true;
      fake.handlers[ChatEvent.ChatMessage] = ({ clientMsgId }) => {
        if (storeAway) return { error: 'chat storage unavailable, retrying', code: ErrorCode.Unavailable };
        const id = stored.get(clientMsgId!) ?? `1000-${stored.size + 2}`;
        stored.set(clientMsgId!, id);
        return { ok: true, id };
      };
      const retries: SendRetry[] = [];
      client.on('retrying', (retry) => retries.push(retry));
      let outcome: string | Error | undefined;
      const start = Date.now();
      client.send('r', 'do not lose me', 'cid-1').then(
        (id) => (outcome = id),
        (error: Error) => (outcome = error),
      );
      await vi.advanceTimersByTimeAsync(120_000);
      expect(outcome).toBeUndefined();
      const times = fake.requests.filter((r) => r.event === ChatEvent.ChatMessage).map((r) => r.at - start);
      expect(times.slice(0, 6)).toEqual([0, 500, 1500, 3500, 7500, 15_500]);
      expect(times.length).toBeGreaterThan(10);
      expect(retries.at(-1)).toMatchObject({
        clientMsgId: 'cid-1',
        reason: ErrorCode.Unavailable,
        delayMs: 8000,
      });
      storeAway = false;
      await vi.advanceTimersByTimeAsync(8000);
      expect(outcome).toBe('1000-2');
      expect(new Set(fake.sent(ChatEvent.ChatMessage).map((p) => JSON.stringify(p))).size).toBe(1);
      expect(stored.size).toBe(1);
    });

    it('stores the messages typed while the store was away once each, in the order typed', async () => {
      const stored: string[] = [];
      let storeAway = true;
      fake.handlers[ChatEvent.ChatMessage] = ({ message }) => {
        if (storeAway) return { error: 'chat storage unavailable, retrying', code: ErrorCode.Unavailable };
        if (!stored.includes(message)) stored.push(message);
        return { ok: true, id: `1000-${stored.indexOf(message) + 2}` };
      };
      const typed = ['one', 'two', 'three', 'four'];
      const sends: Array<Promise<string>> = [];
      // Typed 7 s apart, each on its own back-off, 'two' would try again just before 'one'.
      for (const text of typed) {
        sends.push(client.send('r', text));
        await vi.advanceTimersByTimeAsync(text === 'one' ? 7000 : 100);
      }
      await vi.advanceTimersByTimeAsync(30_000 - 7300);
      storeAway = false;
      await vi.advanceTimersByTimeAsync(10_000);
      expect(await Promise.all(sends)).toEqual(['1000-2', '1000-3', '1000-4', '1000-5']);
      expect(stored).toEqual(typed);
      // Waiting behind the first, the others were not sent again on their own.
      const tries = fake.sent(ChatEvent.ChatMessage) as Array<{ message: string }>;
      const triesOf = (text: string): number => tries.filter((t) => t.message === text).length;
      expect(triesOf('four')).toBeLessThanOrEqual(triesOf('one'));
    });

    it('still gives up on unanswered tries after refusals of an absent store', async () => {
      const answers: Array<AnswerOf<typeof ChatEvent.ChatMessage> | undefined> = Array.from(
        { length: 6 },
        () => ({ error: 'chat storage unavailable, retrying', code: ErrorCode.Unavailable }),
      );
      fake.handlers[ChatEvent.ChatMessage] = () => answers.shift();
      const sent = client.send('r', 'hello');
      const outcome = expect(sent).rejects.toThrow(/not stored after 10 tries: no answer/);
      await vi.advanceTimersByTimeAsync(200_000);
      await outcome;
    });

    it('rejects a send refused as "store_full" at once, with that code', async () => {
      fake.handlers[ChatEvent.ChatMessage] = () => ({
        error: 'chat storage is full: nothing was stored until an operator frees space',
        code: ErrorCode.StoreFull,
      });
      const sent = client.send('r', 'hello');
      await expect(sent).rejects.toMatchObject({ code: ErrorCode.StoreFull });
      await vi.advanceTimersByTimeAsync(60_000);
      expect(fake.sent(ChatEvent.ChatMessage)).toHaveLength(1);
    });

    it('gives up after maxAttempts tries without an answer on a live connection', async () => {
      fake.handlers[ChatEvent.ChatMessage] = () => undefined;
      const sent = client.send('r', 'hello');
      const outcome = expect(sent).rejects.toThrow(/not stored after 4 tries: no answer/);
      await vi.advanceTimersByTimeAsync(60_000);
      await outcome;
      expect(fake.sent(ChatEvent.ChatMessage)).toHaveLength(4);
    });
  });

  describe('a stored send whose live copy does not come', () => {
    const mine = (seq: number, prev: number): ChatMessageEvent => ({
      ...message('r', seq, prev),
      clientMsgId: 'cid-mine',
    });

    it('fetches the room after the last message seen, and shows the message once', async () => {
      fake.handlers[ChatEvent.ChatMessage] = () => ({ ok: true, id: '1000-2' });
      fake.handlers[ChatEvent.History] = ({ room, after }) => ({
        ok: true,
        room,
        messages: after === '1000-1' ? [mine(2, 1)] : [],
        more: true,
        recovered: true,
      });
      const shown: string[] = [];
      client.on('message', (m) => shown.push(m.id));
      await expect(client.send('r', '#2', 'cid-mine')).resolves.toBe('1000-2');
      await vi.advanceTimersByTimeAsync(1499);
      expect(fake.sent(ChatEvent.History)).toEqual([]);
      await vi.advanceTimersByTimeAsync(1);
      expect(fake.sent(ChatEvent.History)).toEqual([{ room: 'r', after: '1000-1' }]);
      // The live copy after all, late: not shown twice.
      fake.fire(ChatEvent.ChatMessage, mine(2, 1));
      await vi.advanceTimersByTimeAsync(10_000);
      expect(shown).toEqual(['1000-2']);
      expect(ids()).toEqual(['1000-1', '1000-2']);
      expect(errors).toEqual([]);
    });

    it('asks for nothing when the live copy (or a history answer) brought it in time', async () => {
      fake.handlers[ChatEvent.ChatMessage] = () => ({ ok: true, id: '1000-2' });
      await client.send('r', '#2', 'cid-mine');
      fake.fire(ChatEvent.ChatMessage, mine(2, 1));
      fake.handlers[ChatEvent.ChatMessage] = () => ({ ok: true, id: '1000-3' });
      await client.send('r', '#3', 'cid-other');
      await vi.advanceTimersByTimeAsync(500);
      fake.fire(ChatEvent.History, {
        room: 'r',
        messages: [message('r', 3, 2)],
        more: false,
        recovered: true,
      });
      await vi.advanceTimersByTimeAsync(10_000);
      expect(fake.sent(ChatEvent.History)).toEqual([]);
      expect(ids()).toEqual(['1000-1', '1000-2', '1000-3']);
    });

    it('in a room where it saw nothing yet, fetches the latest page', async () => {
      await client.join('empty');
      fake.fire(ChatEvent.History, { room: 'empty', messages: [], more: false });
      fake.handlers[ChatEvent.ChatMessage] = () => ({ ok: true, id: '2000-0' });
      const first: ChatMessageEvent = { ...message('empty', 0), id: '2000-0', clientMsgId: 'cid-first' };
      fake.handlers[ChatEvent.History] = ({ room, after }) => ({
        ok: true,
        room,
        messages: after === undefined ? [first] : [],
        more: false,
      });
      await client.send('empty', '#0', 'cid-first');
      await vi.advanceTimersByTimeAsync(1500);
      expect(fake.sent(ChatEvent.History)).toEqual([{ room: 'empty' }]);
      expect(client.rooms.get('empty')!.messages.map((m) => m.clientMsgId)).toEqual(['cid-first']);
      expect(client.rooms.get('empty')!.more).toBe(false);
    });

    it('leaves it to the resume when the connection dropped meanwhile', async () => {
      fake.handlers[ChatEvent.ChatMessage] = () => ({ ok: true, id: '1000-2' });
      await client.send('r', '#2', 'cid-mine');
      fake.drop();
      await vi.advanceTimersByTimeAsync(10_000);
      expect(fake.sent(ChatEvent.History)).toEqual([]);
    });
  });

  describe('refusals', () => {
    it('throws a ChatRefusal with the code when a join is refused, and forgets the room', async () => {
      fake.handlers[ChatEvent.JoinRoom] = () => ({ error: 'room must be…', code: ErrorCode.Invalid });
      const joining = client.join('<b>');
      await expect(joining).rejects.toBeInstanceOf(ChatRefusal);
      await expect(joining).rejects.toMatchObject({ code: ErrorCode.Invalid });
      expect(client.rooms.has('<b>')).toBe(false);
    });

    it('reports a refusal that came as an error event', () => {
      fake.fire(ChatEvent.Error, { event: 'leave room', error: 'not in room x', code: ErrorCode.NotMember });
      expect(errors).toHaveLength(1);
      expect(errors[0]).toBeInstanceOf(ChatRefusal);
      expect(errors[0]).toMatchObject({ code: ErrorCode.NotMember, message: 'leave room: not in room x' });
    });
  });

  describe('edits, typing, rooms list', () => {
    it('applies a change once, live or replayed, and stores edits through the outbox', async () => {
      const changes: Array<[string, string | undefined]> = [];
      client.on('change', (change, target) => changes.push([change.id, target?.message]));
      const edit = { ...message('r', 2, 1), kind: 'edit' as const, target: '1000-1', message: 'new' };
      fake.fire(ChatEvent.MessageChanged, edit);
      fake.fire(ChatEvent.MessageChanged, edit);
      expect(changes).toEqual([['1000-2', 'new']]);
      expect(client.rooms.get('r')!.messages).toMatchObject([
        { id: '1000-1', message: 'new', edited: '1000-2' },
      ]);
      expect(client.rooms.get('r')!.lastId).toBe('1000-2');
      fake.handlers[ChatEvent.DeleteMessage] = () => ({ ok: true, id: '1000-3' });
      await expect(client.deleteMessage('r', '1000-1', 'c1')).resolves.toBe('1000-3');
      expect(fake.sent(ChatEvent.DeleteMessage)).toEqual([{ room: 'r', id: '1000-1', clientMsgId: 'c1' }]);
      fake.handlers[ChatEvent.EditMessage] = () => ({ error: 'not yours', code: ErrorCode.Forbidden });
      await expect(client.editMessage('r', '1000-1', 'x')).rejects.toBeInstanceOf(ChatRefusal);
    });

    it('says typing at most every 2 s, and tracks who types until they send', () => {
      fake.handlers[ChatEvent.Typing] = () => ({ ok: true });
      client.typing('r');
      client.typing('r');
      vi.advanceTimersByTime(2000);
      client.typing('r');
      client.stopTyping('r');
      client.stopTyping('r');
      expect(fake.sent(ChatEvent.Typing)).toEqual([
        { room: 'r' },
        { room: 'r' },
        { room: 'r', stopped: true },
      ]);
      const bob = { user: 'bob', userId: 'g_bob', guest: true };
      fake.fire(ChatEvent.Typing, { room: 'r', ...bob, expiresInMs: 5000 });
      expect(client.typists('r')).toEqual([bob]);
      fake.fire(ChatEvent.ChatMessage, { ...message('r', 2, 1), userId: 'g_bob' });
      expect(client.typists('r')).toEqual([]);
    });

    it('keeps the rooms list the server sends, a new direct room on top', () => {
      const lists: string[][] = [];
      client.on('rooms', (rooms) => lists.push(rooms.map((r) => r.room)));
      fake.fire(ChatEvent.RoomList, { rooms: [{ room: 'a', members: 1, lastActivity: 5 }] });
      const direct = { user: 'bob', userId: 'g_bob', guest: true };
      fake.fire(ChatEvent.Direct, { room: 'dm.x', members: 1, lastActivity: 9, direct });
      expect(lists).toEqual([['a'], ['dm.x', 'a']]);
      expect(client.directory[0]).toMatchObject({ room: 'dm.x', direct });
    });
  });
});

describe('ChatClientCore identity', () => {
  let fake: FakeConnection;
  let handshake: ConnectionOptions['auth'];
  const session = { user: 'erin', userId: 'g_erin1234', guest: true, node: 'node1', sid: 's1' };

  function connectWith(options: Partial<ChatClientOptions>): ChatClientCore<FakeConnection> {
    fake = new FakeConnection();
    return new ChatClientCore({ url: '', ackTimeoutMs: ACK_TIMEOUT_MS, ...options }, (_url, connection) => {
      handshake = connection.auth;
      return fake;
    });
  }

  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('keeps the guest token of its session and presents it on every reconnect', async () => {
    const kept: string[] = [];
    const client = connectWith({ user: 'erin', onGuestToken: (token) => kept.push(token) });
    expect(await handshake()).toEqual({ user: 'erin', rooms: {} });
    fake.connect();
    fake.fire(ChatEvent.Session, { ...session, guestToken: 'g_erin1234.sig' });
    expect(kept).toEqual(['g_erin1234.sig']);
    fake.drop();
    expect(await handshake()).toEqual({ user: 'erin', guest: 'g_erin1234.sig', rooms: {} });
    fake.connect();
    fake.fire(ChatEvent.Session, { ...session, guestToken: 'g_erin1234.sig' });
    expect(kept).toHaveLength(1);
    client.close();
  });

  it('starts from a guest token kept by the caller', async () => {
    const client = connectWith({ user: 'erin', guestToken: 'g_kept.sig' });
    expect(await handshake()).toMatchObject({ guest: 'g_kept.sig' });
    client.close();
  });

  it('asks getToken for the handshake, and again to refresh before the token expires', async () => {
    let issued = 0;
    const client = connectWith({ getToken: () => Promise.resolve(`token-${++issued}`) });
    const refreshed: number[] = [];
    client.on('refreshed', (at) => refreshed.push(at));
    expect(await handshake()).toEqual({ token: 'token-1', rooms: {} });
    fake.connect();
    fake.fire(ChatEvent.Session, { ...session, guest: false, userId: 'u_erin', expiresAt: 5000 });
    fake.handlers[ChatEvent.RefreshToken] = () => ({ ok: true, expiresAt: 9000 });
    fake.fire(ChatEvent.TokenExpiring, { expiresAt: 5000 });
    await vi.advanceTimersByTimeAsync(0);
    expect(fake.sent(ChatEvent.RefreshToken)).toEqual([{ token: 'token-2' }]);
    expect(refreshed).toEqual([9000]);
    client.close();
  });

  it('sends no refresh when getToken has nothing newer', async () => {
    const client = connectWith({ getToken: () => 'the-only-token' });
    expect(await handshake()).toMatchObject({ token: 'the-only-token' });
    fake.connect();
    fake.fire(ChatEvent.TokenExpiring, { expiresAt: 5000 });
    await vi.advanceTimersByTimeAsync(0);
    expect(fake.sent(ChatEvent.RefreshToken)).toEqual([]);
    client.close();
  });

  it('reports a refused refresh as an error', async () => {
    const client = connectWith({ getToken: () => 'stale' });
    const errors: Error[] = [];
    client.on('error', (error) => errors.push(error));
    fake.connect();
    fake.handlers[ChatEvent.RefreshToken] = () => ({
      error: 'the token has expired',
      code: ErrorCode.TokenExpired,
    });
    fake.fire(ChatEvent.TokenExpiring, { expiresAt: 5000 });
    await vi.advanceTimersByTimeAsync(0);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ code: ErrorCode.TokenExpired });
    client.close();
  });

  it('does nothing on a warning without getToken: the server will close the connection', async () => {
    const client = connectWith({ user: 'erin' });
    fake.connect();
    fake.fire(ChatEvent.TokenExpiring, { expiresAt: 5000 });
    await vi.advanceTimersByTimeAsync(0);
    expect(fake.sent(ChatEvent.RefreshToken)).toEqual([]);
    client.close();
  });
});
