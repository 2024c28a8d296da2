import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { RecordingLog } from '@app/logging';
import { ChannelSubscriber, type ChannelListener, type SubscribingClient } from '@app/redis';
import { chatKeys } from './chat-keys.js';
import { compareMessageIds, type ChatMessageEvent } from '@app/chat-protocol';
import type { RoomDelivery } from './room-delivery.js';
import { RoomFanout, type RoomReader } from './room-fanout.js';

/**
 * Stands in for the shared `events` connection: delivers what tests publish on
 * the channels it is subscribed to, as Redis would, and lets a test hold back
 * the confirmation of a SUBSCRIBE.
 */
class FakeClient implements SubscribingClient {
  readonly commands: string[] = [];
  readonly subscribed = new Set<string>();
  /** While set, SUBSCRIBE waits for `confirm()` (or fails on `refuse()`). */
  holdConfirmations = false;
  private readonly waiting: Array<{ confirm: () => void; refuse: (error: Error) => void }> = [];
  private readonly listeners: ChannelListener[] = [];
  private readonly connectionListeners = new Map<string, Array<() => void>>();

  on(event: string, listener: ChannelListener): this {
    if (event === 'message') this.listeners.push(listener);
    else
      this.connectionListeners.set(event, [
        ...(this.connectionListeners.get(event) ?? []),
        listener as () => void,
      ]);
    return this;
  }
  /** The connection drops: what is published meanwhile is lost, as with Redis. */
  lose(): void {
    this.subscribed.clear();
    for (const listener of this.connectionListeners.get('close') ?? []) listener();
  }
  /** Back, subscribed to nothing yet: the fan-out must subscribe again. */
  ready(): void {
    for (const listener of this.connectionListeners.get('ready') ?? []) listener();
  }
  subscribe(channel: string): Promise<number> {
    this.commands.push(`subscribe ${channel}`);
    if (!this.holdConfirmations) return Promise.resolve(this.subscribed.add(channel).size);
    return new Promise((resolve, reject) => {
      this.waiting.push({ confirm: () => resolve(this.subscribed.add(channel).size), refuse: reject });
    });
  }
  unsubscribe(channel: string): Promise<number> {
    this.commands.push(`unsubscribe ${channel}`);
    this.subscribed.delete(channel);
    return Promise.resolve(this.subscribed.size);
  }
  ssubscribe(): Promise<number> {
    throw new Error('not sharded');
  }
  sunsubscribe(): Promise<number> {
    throw new Error('not sharded');
  }
  confirm(): void {
    for (const waiting of this.waiting.splice(0)) waiting.confirm();
  }
  refuse(error: Error): void {
    for (const waiting of this.waiting.splice(0)) waiting.refuse(error);
  }
  publish(channel: string, message: string): void {
    if (!this.subscribed.has(channel) && !channel.startsWith('{ringchat}')) return;
    for (const listener of this.listeners) listener(channel, message);
  }
}

function message(room: string, seq: number): ChatMessageEvent {
  const sender = { user: 'ann', userId: 'g_ann', guest: true };
  return { id: `${seq}-0`, room, ...sender, message: `m${seq}`, ts: seq, node: 'node1' };
}

async function started(delivery: RoomDelivery, read?: RoomReader) {
  const client = new FakeClient();
  const log = new RecordingLog();
  const fanout = new RoomFanout(new ChannelSubscriber(client), log, { delivery, lingerMs: 1000 });
  const delivered: ChatMessageEvent[] = [];
  const skipped: string[][] = [];
  await fanout.start((m, skip) => {
    delivered.push(m);
    skipped.push([...skip]);
  }, read);
  const channel = (room: string) =>
    delivery === 'room' ? chatKeys.roomChannel(room) : chatKeys.messageChannel;
  const publish = (m: ChatMessageEvent) => client.publish(channel(m.room), JSON.stringify(m));
  return { client, fanout, delivered, skipped, log, publish };
}

describe('RoomFanout, broadcast delivery', () => {
  it('subscribes to the message channel and delivers each message once, in arrival order', async () => {
    const { client, delivered, publish, fanout } = await started('broadcast');
    expect(client.commands).toEqual([`subscribe ${chatKeys.messageChannel}`]);
    const sent = [message('a', 1), message('b', 2), message('a', 3)];
    sent.forEach(publish);
    expect(delivered).toEqual(sent);
    expect(fanout.roomMessagesReceived).toBe(3);
  });

  it('ignores the channels of the others sharing the connection', async () => {
    const { client, delivered, log, fanout } = await started('broadcast');
    client.publish('{ringchat}:membership', JSON.stringify(message('a', 1)));
    expect(delivered).toEqual([]);
    expect(log.lines).toEqual([]);
    expect(fanout.roomMessagesReceived).toBe(0);
  });

  it('buffers, for a client being synced, what its room receives meanwhile, in order', async () => {
    const { fanout, delivered, publish } = await started('broadcast');
    publish(message('a', 1));
    const sync = await fanout.beginSync('a');
    publish(message('a', 2));
    publish(message('b', 3));
    publish(message('a', 4));
    expect(sync.buffer.map((m) => m.id)).toEqual(['2-0', '4-0']);
    // The room's members keep receiving live messages during the sync.
    expect(delivered.map((m) => m.id)).toEqual(['1-0', '2-0', '3-0', '4-0']);
  });

  it('stops buffering when the sync ends', async () => {
    const { fanout, publish } = await started('broadcast');
    const sync = await fanout.beginSync('a');
    publish(message('a', 1));
    fanout.endSync(sync);
    publish(message('a', 2));
    expect(sync.buffer.map((m) => m.id)).toEqual(['1-0']);
  });

  it('keeps one buffer per client when several sync the same room at once', async () => {
    const { fanout, publish } = await started('broadcast');
    const first = await fanout.beginSync('a');
    publish(message('a', 1));
    const second = await fanout.beginSync('a');
    publish(message('a', 2));
    fanout.endSync(first);
    publish(message('a', 3));
    expect(first.buffer.map((m) => m.id)).toEqual(['1-0', '2-0']);
    expect(second.buffer.map((m) => m.id)).toEqual(['2-0', '3-0']);
    fanout.endSync(second);
    fanout.endSync(second);
  });

  it('skips, for a member just caught up, a late message its history held, until one past it comes', async () => {
    const { fanout, skipped, publish } = await started('broadcast');
    const sync = await fanout.beginSync('a');
    // The history answer held 1-0 and 2-0; the channel brings them after it.
    fanout.endSync(sync, { member: 's1', upTo: '2-0' });
    [message('a', 1), message('b', 1), message('a', 2), message('a', 3), message('a', 2)].forEach(publish);
    expect(skipped).toEqual([['s1'], [], ['s1'], [], []]);
  });

  it('forgets a caught-up member that leaves before its mark is passed', async () => {
    const { fanout, skipped, publish } = await started('broadcast');
    fanout.hold('a');
    fanout.endSync(await fanout.beginSync('a'), { member: 's1', upTo: '5-0' });
    fanout.release('a', 's1');
    publish(message('a', 4));
    expect(skipped).toEqual([[]]);
  });

  it('skips a malformed message with a warning and goes on', async () => {
    const { client, delivered, log, publish } = await started('broadcast');
    client.publish(chatKeys.messageChannel, '{not json');
    publish(message('a', 1));
    expect(log.at('warn')).toHaveLength(1);
    expect(delivered.map((m) => m.id)).toEqual(['1-0']);
  });
});

describe('RoomFanout, room delivery', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('receives only the rooms it holds, each on its own channel', async () => {
    const { client, fanout, delivered, publish } = await started('room');
    expect(client.commands).toEqual([]);
    fanout.hold('a');
    await fanout.beginSync('a');
    publish(message('a', 1));
    publish(message('b', 2));
    expect(client.commands).toEqual([`subscribe ${chatKeys.roomChannel('a')}`]);
    expect(delivered.map((m) => m.id)).toEqual(['1-0']);
    expect(fanout.roomMessagesReceived).toBe(1);
    expect(fanout.roomChannels).toBe(1);
  });

  it('settles a sync only once Redis confirmed the subscription, buffering from the start', async () => {
    const { client, fanout, publish } = await started('room');
    client.holdConfirmations = true;
    fanout.hold('a');
    let settled = false;
    const pending = fanout.beginSync('a').then((sync) => ((settled = true), sync));
    await vi.advanceTimersByTimeAsync(0);
    expect(settled).toBe(false);
    client.confirm();
    publish(message('a', 1));
    const sync = await pending;
    expect(sync.buffer.map((m) => m.id)).toEqual(['1-0']);
  });

  it('shares one pending SUBSCRIBE between concurrent joins of a room', async () => {
    const { client, fanout } = await started('room');
    client.holdConfirmations = true;
    fanout.hold('a');
    fanout.hold('a');
    const syncs = Promise.all([fanout.beginSync('a'), fanout.beginSync('a')]);
    client.confirm();
    await syncs;
    expect(client.commands).toEqual([`subscribe ${chatKeys.roomChannel('a')}`]);
  });

  it('unsubscribes a linger after the last hold goes, and not while one remains', async () => {
    const { client, fanout } = await started('room');
    fanout.hold('a');
    fanout.hold('a');
    fanout.release('a', 's1');
    await vi.advanceTimersByTimeAsync(5000);
    expect(client.commands).toHaveLength(1);
    fanout.release('a', 's1');
    await vi.advanceTimersByTimeAsync(999);
    expect(client.commands).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(client.commands.at(-1)).toBe(`unsubscribe ${chatKeys.roomChannel('a')}`);
    expect(fanout.roomChannels).toBe(0);
  });

  it('keeps the subscription when the room is held again within the linger', async () => {
    const { client, fanout } = await started('room');
    fanout.hold('a');
    fanout.release('a', 's1');
    await vi.advanceTimersByTimeAsync(500);
    fanout.hold('a');
    await fanout.beginSync('a');
    await vi.advanceTimersByTimeAsync(5000);
    expect(client.commands).toEqual([`subscribe ${chatKeys.roomChannel('a')}`]);
  });

  it('subscribes afresh after a drop, in order behind the UNSUBSCRIBE', async () => {
    const { client, fanout, delivered, publish } = await started('room');
    fanout.hold('a');
    fanout.release('a', 's1');
    await vi.advanceTimersByTimeAsync(1000);
    fanout.hold('a');
    await fanout.beginSync('a');
    publish(message('a', 1));
    const channel = chatKeys.roomChannel('a');
    expect(client.commands).toEqual([
      `subscribe ${channel}`,
      `unsubscribe ${channel}`,
      `subscribe ${channel}`,
    ]);
    expect(delivered.map((m) => m.id)).toEqual(['1-0']);
  });

  it('fails a sync whose SUBSCRIBE fails, buffers nothing, and retries on the next one', async () => {
    const { client, fanout, publish } = await started('room');
    client.holdConfirmations = true;
    fanout.hold('a');
    const failed = fanout.beginSync('a');
    client.refuse(new Error('Connection is closed.'));
    await expect(failed).rejects.toThrow('Connection is closed.');
    client.holdConfirmations = false;
    const sync = await fanout.beginSync('a');
    publish(message('a', 1));
    expect(sync.buffer.map((m) => m.id)).toEqual(['1-0']);
    expect(client.commands.filter((c) => c.startsWith('subscribe'))).toHaveLength(2);
  });

  it('ignores the channels of the others sharing the connection', async () => {
    const { client, fanout, delivered } = await started('room');
    client.publish('{ringchat}:membership', JSON.stringify(message('a', 1)));
    expect(delivered).toEqual([]);
    expect(fanout.roomMessagesReceived).toBe(0);
  });
});

describe('RoomFanout, after the subscriber reconnects', () => {
  /** A room's stream in Redis, and a reader over it that answers a page of `page` at a time. */
  function stream(page = 100) {
    const stored: ChatMessageEvent[] = [];
    const reads: string[] = [];
    const read: RoomReader = async (room, after) => {
      reads.push(`${room} after ${after}`);
      const past = stored.filter((m) => m.room === room && compareMessageIds(m.id, after) > 0);
      return { messages: past.slice(0, page), more: past.length > page };
    };
    return { stored, reads, read };
  }

  async function member(page?: number) {
    const store = stream(page);
    const fixture = await started('room', store.read);
    const store_ = (m: ChatMessageEvent) => {
      store.stored.push(m);
      fixture.publish(m);
    };
    fixture.fanout.hold('a');
    const sync = await fixture.fanout.beginSync('a');
    fixture.fanout.endSync(sync, { member: 'sock1', upTo: '1-0' });
    return { ...fixture, ...store, store: store_ };
  }

  const flush = () => new Promise((resolve) => setTimeout(resolve, 0));

  it('hands its members what was stored while it was down, once each, in order, then live again', async () => {
    const { client, delivered, store, reads, log } = await member();
    store(message('a', 2));
    client.lose();
    store(message('a', 3));
    store(message('a', 4));
    expect(delivered.map((m) => m.id)).toEqual(['2-0']);
    client.ready();
    await flush();
    expect(client.commands.at(-1)).toBe(`subscribe ${chatKeys.roomChannel('a')}`);
    expect(reads).toEqual(['a after 2-0']);
    // The live copy of one that was read (published after the SUBSCRIBE) is not handed out again.
    store(message('a', 4));
    store(message('a', 5));
    expect(delivered.map((m) => m.id)).toEqual(['2-0', '3-0', '4-0', '5-0']);
    expect(log.at('info')).toEqual([
      'room subscriber reconnected: 1 rooms read again, 2 messages stored meanwhile handed out',
    ]);
  });

  it('reads from the lowest catch-up mark in a room that had no message live yet, page by page', async () => {
    const { client, delivered, store, reads } = await member(1);
    client.lose();
    store(message('a', 2));
    store(message('a', 3));
    client.ready();
    await flush();
    expect(reads).toEqual(['a after 1-0', 'a after 2-0']);
    expect(delivered.map((m) => m.id)).toEqual(['2-0', '3-0']);
  });

  it('reads no room that nobody holds any more, and nothing before a loss', async () => {
    const { client, fanout, reads } = await member();
    client.ready();
    await flush();
    expect(reads).toEqual([]);
    fanout.release('a', 'sock1');
    client.lose();
    client.ready();
    await flush();
    expect(reads).toEqual([]);
  });
});
