import { describe, expect, it } from 'vitest';
import { RecordingLog } from '@app/logging';
import type { MessageSubscriber } from '@app/redis';
import { chatKeys } from './chat-keys.js';
import type { ChatMessageEvent } from '@app/chat-protocol';
import { RoomFanout } from './room-fanout.js';

/** Stands in for the shared `events` connection: tests publish by hand. */
class FakeSubscriber implements MessageSubscriber {
  readonly channels: string[] = [];
  private readonly listeners: Array<(channel: string, message: string) => void> = [];

  on(_event: 'message', listener: (channel: string, message: string) => void): this {
    this.listeners.push(listener);
    return this;
  }

  subscribe(...channels: string[]): Promise<number> {
    this.channels.push(...channels);
    return Promise.resolve(this.channels.length);
  }

  publish(channel: string, message: string): void {
    for (const listener of this.listeners) listener(channel, message);
  }
}

function message(room: string, seq: number): ChatMessageEvent {
  const sender = { user: 'ann', userId: 'g_ann', guest: true };
  return { id: `${seq}-0`, room, ...sender, message: `m${seq}`, ts: seq, node: 'node1' };
}

async function started() {
  const subscriber = new FakeSubscriber();
  const log = new RecordingLog();
  const fanout = new RoomFanout(subscriber, log);
  const delivered: ChatMessageEvent[] = [];
  await fanout.start((m) => delivered.push(m));
  const publish = (m: ChatMessageEvent) => subscriber.publish(chatKeys.messageChannel, JSON.stringify(m));
  return { subscriber, fanout, delivered, log, publish };
}

describe('RoomFanout', () => {
  it('subscribes to the message channel and delivers each message once, in arrival order', async () => {
    const { subscriber, delivered, publish } = await started();
    expect(subscriber.channels).toEqual([chatKeys.messageChannel]);
    const sent = [message('a', 1), message('b', 2), message('a', 3)];
    sent.forEach(publish);
    expect(delivered).toEqual(sent);
  });

  it('ignores the channels of the others sharing the connection', async () => {
    const { subscriber, delivered, log } = await started();
    subscriber.publish('{ringchat}:membership', JSON.stringify(message('a', 1)));
    expect(delivered).toEqual([]);
    expect(log.lines).toEqual([]);
  });

  it('buffers, for a client being synced, what its room receives meanwhile, in order', async () => {
    const { fanout, delivered, publish } = await started();
    publish(message('a', 1));
    const sync = fanout.beginSync('a');
    publish(message('a', 2));
    publish(message('b', 3));
    publish(message('a', 4));
    expect(sync.buffer.map((m) => m.id)).toEqual(['2-0', '4-0']);
    // The room's members keep receiving live messages during the sync.
    expect(delivered.map((m) => m.id)).toEqual(['1-0', '2-0', '3-0', '4-0']);
  });

  it('stops buffering when the sync ends', async () => {
    const { fanout, publish } = await started();
    const sync = fanout.beginSync('a');
    publish(message('a', 1));
    fanout.endSync(sync);
    publish(message('a', 2));
    expect(sync.buffer.map((m) => m.id)).toEqual(['1-0']);
  });

  it('keeps one buffer per client when several sync the same room at once', async () => {
    const { fanout, publish } = await started();
    const first = fanout.beginSync('a');
    publish(message('a', 1));
    const second = fanout.beginSync('a');
    publish(message('a', 2));
    fanout.endSync(first);
    publish(message('a', 3));
    expect(first.buffer.map((m) => m.id)).toEqual(['1-0', '2-0']);
    expect(second.buffer.map((m) => m.id)).toEqual(['2-0', '3-0']);
    fanout.endSync(second);
    fanout.endSync(second);
  });

  it('skips a malformed message with a warning and goes on', async () => {
    const { subscriber, delivered, log, publish } = await started();
    subscriber.publish(chatKeys.messageChannel, '{not json');
    publish(message('a', 1));
    expect(log.at('warn')).toHaveLength(1);
    expect(delivered.map((m) => m.id)).toEqual(['1-0']);
  });
});
