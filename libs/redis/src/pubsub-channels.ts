import { ChannelSubscriber, type ChannelListener } from './channel-subscriber.js';
import type { RedisClient } from './redis-client.js';

/**
 * Channels over a publishing and a subscribed connection, plain or sharded.
 * Plain (PUBLISH/SUBSCRIBE) on one Redis; sharded (SPUBLISH/SSUBSCRIBE) on a
 * Redis Cluster, where a channel lives in its name's slot like a key: a message
 * goes to that slot's master and its replicas only, instead of every node of
 * the cluster, and it may share a script or MULTI with keys of that slot.
 */
export class PubSubChannels {
  private readonly channels: ChannelSubscriber;

  constructor(
    private readonly publisher: RedisClient,
    private readonly subscriber: RedisClient,
    /** Sharded pub/sub (Redis Cluster). */
    readonly sharded: boolean,
  ) {
    this.channels = new ChannelSubscriber(subscriber, { sharded });
  }

  /** Resolves with the number of subscribers reached (on the channel's shard, when sharded). */
  async publish(channel: string, message: string): Promise<number> {
    if (!this.sharded) return this.publisher.publish(channel, message);
    return Number(await this.publisher.spublish(channel, message));
  }

  /** One command a channel: sharded, one command may only name channels of one slot. */
  async subscribe(...channels: string[]): Promise<void> {
    await Promise.all(channels.map((channel) => this.channels.subscribe(channel)));
  }

  async unsubscribe(...channels: string[]): Promise<void> {
    await Promise.all(channels.map((channel) => this.channels.unsubscribe(channel)));
  }

  /** Every message on any subscribed channel; listeners filter the channels they own. */
  onMessage(listener: ChannelListener): void {
    this.channels.onMessage(listener);
  }

  /**
   * The subscriber is (re)connected and subscribed again, after a lost
   * connection or, sharded, after a failover moved a shard: messages sent
   * meanwhile were missed. Also fires when it first connects.
   */
  onResubscribed(listener: () => void): void {
    // Sharded: the cluster client resubscribes after each change of layout, then says so.
    this.subscriber.on(this.sharded ? 'subscribersReady' : 'ready', listener);
  }
}
