import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { PubSubChannels } from './pubsub-channels.js';
import type { RedisClient } from './redis-client.js';

/** Records commands as an ioredis client would take them; events are emitted by hand. */
class FakeClient extends EventEmitter {
  readonly commands: string[] = [];
  publish = (channel: string, message: string) => this.record(`publish ${channel} ${message}`);
  spublish = (channel: string, message: string) => this.record(`spublish ${channel} ${message}`);
  subscribe = (...channels: string[]) => this.record(`subscribe ${channels.join(' ')}`);
  ssubscribe = (...channels: string[]) => this.record(`ssubscribe ${channels.join(' ')}`);
  unsubscribe = (...channels: string[]) => this.record(`unsubscribe ${channels.join(' ')}`);
  sunsubscribe = (...channels: string[]) => this.record(`sunsubscribe ${channels.join(' ')}`);
  private record(command: string): Promise<number> {
    this.commands.push(command);
    return Promise.resolve(1);
  }
}

function channelsOver(sharded: boolean) {
  const publisher = new FakeClient();
  const subscriber = new FakeClient();
  const channels = new PubSubChannels(
    publisher as unknown as RedisClient,
    subscriber as unknown as RedisClient,
    sharded,
  );
  return { publisher, subscriber, channels };
}

describe('PubSubChannels', () => {
  it('publishes and subscribes classic on one Redis', async () => {
    const { publisher, subscriber, channels } = channelsOver(false);
    await channels.subscribe('a', 'b');
    await channels.publish('a', 'hi');
    expect(subscriber.commands).toEqual(['subscribe a', 'subscribe b']);
    expect(publisher.commands).toEqual(['publish a hi']);
  });

  it('goes sharded on a Redis Cluster: one command a channel, smessage, resubscribed after a failover', async () => {
    const { publisher, subscriber, channels } = channelsOver(true);
    const heard: string[] = [];
    let resubscribed = 0;
    channels.onMessage((channel, message) => heard.push(`${channel}=${message}`));
    channels.onResubscribed(() => resubscribed++);
    await channels.subscribe('{x}:a', '{y}:b');
    expect(await channels.publish('{x}:a', 'hi')).toBe(1);
    subscriber.emit('smessage', '{x}:a', 'hi');
    subscriber.emit('message', '{x}:a', 'classic, ignored');
    subscriber.emit('subscribersReady');
    await channels.unsubscribe('{x}:a');
    expect(subscriber.commands).toEqual(['ssubscribe {x}:a', 'ssubscribe {y}:b', 'sunsubscribe {x}:a']);
    expect(publisher.commands).toEqual(['spublish {x}:a hi']);
    expect(heard).toEqual(['{x}:a=hi']);
    expect(resubscribed).toBe(1);
  });
});
