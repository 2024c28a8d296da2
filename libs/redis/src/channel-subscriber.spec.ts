import { describe, expect, it } from 'vitest';
import { ChannelSubscriber, type ChannelListener, type SubscribingClient } from './channel-subscriber.js';

/** Records the commands sent and the events listened to, as an ioredis client would take them. */
class FakeClient implements SubscribingClient {
  readonly commands: string[] = [];
  readonly listeners = new Map<string, ChannelListener[]>();

  on(event: string, listener: ChannelListener): this {
    this.listeners.set(event, [...(this.listeners.get(event) ?? []), listener]);
    return this;
  }
  subscribe(...channels: string[]) {
    return this.record('subscribe', channels);
  }
  unsubscribe(...channels: string[]) {
    return this.record('unsubscribe', channels);
  }
  ssubscribe(...channels: string[]) {
    return this.record('ssubscribe', channels);
  }
  sunsubscribe(...channels: string[]) {
    return this.record('sunsubscribe', channels);
  }
  emit(event: string, channel = '', message = ''): void {
    for (const listener of this.listeners.get(event) ?? []) listener(channel, message);
  }
  private record(command: string, channels: string[]): Promise<number> {
    this.commands.push(`${command} ${channels.join(' ')}`);
    return Promise.resolve(1);
  }
}

describe('ChannelSubscriber', () => {
  it.each([
    {
      mode: 'classic (the default)',
      sharded: undefined,
      commands: ['subscribe', 'unsubscribe'],
      event: 'message',
    },
    { mode: 'sharded', sharded: true, commands: ['ssubscribe', 'sunsubscribe'], event: 'smessage' },
  ])('$mode pub/sub: $commands and the $event event', async ({ sharded, commands, event }) => {
    const client = new FakeClient();
    const subscriber = new ChannelSubscriber(client, { sharded });
    const heard: string[] = [];
    subscriber.onMessage((channel, message) => heard.push(`${channel}=${message}`));
    await subscriber.subscribe('a');
    await subscriber.unsubscribe('a');
    client.emit('message', 'a', 'classic');
    client.emit('smessage', 'a', 'sharded');
    expect(subscriber.sharded).toBe(sharded === true);
    expect(client.commands).toEqual(commands.map((command) => `${command} a`));
    expect(heard).toEqual([`a=${event === 'message' ? 'classic' : 'sharded'}`]);
  });

  it('settles only when the client has confirmed, and passes a refusal on', async () => {
    const client = new FakeClient();
    let confirm!: () => void;
    client.subscribe = () => new Promise<number>((resolve) => (confirm = () => resolve(1)));
    const subscriber = new ChannelSubscriber(client);
    let done = false;
    const subscribed = subscriber.subscribe('a').then(() => (done = true));
    await Promise.resolve();
    expect(done).toBe(false);
    confirm();
    await subscribed;
    expect(done).toBe(true);
    client.unsubscribe = () => Promise.reject(new Error('Connection is closed.'));
    await expect(subscriber.unsubscribe('a')).rejects.toThrow('Connection is closed.');
  });

  it('reports a reconnect: a ready after a lost connection, not the first ready nor a second one', () => {
    const client = new FakeClient();
    const subscriber = new ChannelSubscriber(client);
    let reconnects = 0;
    subscriber.onReconnect(() => (reconnects += 1));
    client.emit('ready');
    expect(reconnects).toBe(0);
    client.emit('close');
    client.emit('close');
    client.emit('ready');
    client.emit('ready');
    expect(reconnects).toBe(1);
  });
});
