import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RecordingLog } from '@app/logging';
import { RedisConnections } from '@app/redis';
import { startRedis, waitFor, type TestRedis } from '../harness/index.js';

/**
 * A subscriber connection that no longer carries Redis's answers (Redis paused
 * here; a network cut in production, see separate-hosts) is found by a PING
 * and replaced, and its subscriptions come back with it.
 */
describe('refreshing stale subscriber connections', () => {
  let redis: TestRedis;
  let connections: RedisConnections;
  const log = new RecordingLog();

  beforeAll(async () => {
    redis = await startRedis();
    connections = new RedisConnections({ url: redis.url, maxReconnectDelayMs: 200 }, log);
    await waitFor('every connection ready', () => connections.isReady());
  });

  afterAll(async () => {
    redis.process.kill('SIGCONT');
    await connections?.close();
    await redis?.stop();
  });

  it('leaves connections that answer alone', async () => {
    expect(await connections.refreshStaleSubscribers(500)).toEqual([]);
    expect(log.at('warn')).toEqual([]);
  });

  it('reconnects subscribers that do not answer, which subscribe again', async () => {
    const received: string[] = [];
    connections.events.on('message', (channel: string, message: string) => {
      if (channel === 'stale-test') received.push(message);
    });
    await connections.events.subscribe('stale-test');
    const subscribersBefore = await subscriberIds(connections);
    expect(subscribersBefore).toHaveLength(2);

    redis.process.kill('SIGSTOP');
    const reconnected = await connections.refreshStaleSubscribers(300);
    redis.process.kill('SIGCONT');

    expect(reconnected.sort()).toEqual(['events', 'sub']);
    expect(log.at('warn').sort()).toEqual([
      'events connection did not answer a PING within 300 ms; reconnecting it',
      'sub connection did not answer a PING within 300 ms; reconnecting it',
    ]);
    await waitFor(
      'a message published after the reconnect to arrive',
      async () => {
        await connections.command.publish('stale-test', 'after');
        return received.includes('after');
      },
      10_000,
    );
    // New connections took the place of the stale ones.
    await waitFor('two subscribers again', async () => (await subscriberIds(connections)).length === 2);
    const subscribersAfter = await subscriberIds(connections);
    expect(subscribersAfter.filter((id) => subscribersBefore.includes(id))).toEqual([]);
    expect(await connections.refreshStaleSubscribers(500)).toEqual([]);
  });
});

/** Redis's ids of the connections named as subscribers (`ringchat:sub`, `ringchat:events`). */
async function subscriberIds(connections: RedisConnections): Promise<string[]> {
  const list = (await connections.command.call('CLIENT', 'LIST')) as string;
  return [...list.matchAll(/^id=(\d+) .* name=\S+:(?:sub|events) /gm)].map(([, id]) => id);
}
