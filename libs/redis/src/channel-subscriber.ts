/** A channel listener: the channel a message came on, and the message. */
export type ChannelListener = (channel: string, message: string) => void;

/**
 * The face of a subscribed ioredis client (standalone or cluster) that
 * subscribing needs: an ioredis client fits it, and a unit test can hand in a fake.
 */
export interface SubscribingClient {
  on(event: 'message' | 'smessage', listener: ChannelListener): unknown;
  /** The connection was lost (`close`), or is usable (again: `ready`). */
  on(event: 'close' | 'ready', listener: () => void): unknown;
  subscribe(...channels: string[]): Promise<unknown>;
  unsubscribe(...channels: string[]): Promise<unknown>;
  ssubscribe(...channels: string[]): Promise<unknown>;
  sunsubscribe(...channels: string[]): Promise<unknown>;
}

export interface ChannelSubscriberOptions {
  /**
   * Sharded pub/sub (Redis Cluster): SSUBSCRIBE/SUNSUBSCRIBE and the `smessage`
   * event, so a channel lives on the shard of its hash slot only.
   * @default false
   */
  sharded?: boolean;
}

/**
 * Subscribes to channels one at a time, at run time, in classic or sharded
 * pub/sub: the one seam through which the chat receives room messages. Each
 * promise settles when Redis has confirmed the (un)subscription, so a caller
 * that awaits `subscribe` knows every later publish on that channel reaches it.
 * The client may be shared: listeners see every channel it is subscribed to.
 */
export class ChannelSubscriber {
  readonly sharded: boolean;

  constructor(
    private readonly client: SubscribingClient,
    options: ChannelSubscriberOptions = {},
  ) {
    this.sharded = options.sharded ?? false;
  }

  async subscribe(channel: string): Promise<void> {
    await (this.sharded ? this.client.ssubscribe(channel) : this.client.subscribe(channel));
  }

  async unsubscribe(channel: string): Promise<void> {
    await (this.sharded ? this.client.sunsubscribe(channel) : this.client.unsubscribe(channel));
  }

  onMessage(listener: ChannelListener): void {
    this.client.on(this.sharded ? 'smessage' : 'message', listener);
  }

  /**
   * Calls `listener` each time the connection is ready again after it was lost.
   * ioredis subscribes again by itself on reconnect, but whatever was published
   * while the connection was down never comes: the listener reads it. (On a
   * Redis Cluster the client reports its own reconnects, not those of each
   * shard's subscriber connection.)
   */
  onReconnect(listener: () => void): void {
    let lost = false;
    this.client.on('close', () => (lost = true));
    this.client.on('ready', () => {
      if (!lost) return;
      lost = false;
      listener();
    });
  }
}
