import type { Log } from '@app/logging';
import type { ChannelSubscriber } from '@app/redis';

interface Subscription {
  /** Local members of the room, and clients entering it. */
  holds: number;
  /** The SUBSCRIBE sent for this subscription, shared by every caller; unset until asked, or after a failure. */
  confirmed?: Promise<void>;
  /** SUBSCRIBE was sent at least once: dropping the subscription must UNSUBSCRIBE. */
  sent: boolean;
  linger?: NodeJS.Timeout;
}

/**
 * Which room channels this node is subscribed to: a channel while something
 * holds it (a local member, a client joining or resuming), and `lingerMs`
 * after the last hold goes, so a reload or a quick leave-and-rejoin costs no
 * UNSUBSCRIBE/SUBSCRIBE pair and the rejoin does not wait for Redis.
 *
 * Every command goes out on one connection, so Redis sees them in the order
 * they were sent: an UNSUBSCRIBE followed by a fresh SUBSCRIBE ends subscribed,
 * and a hold taken after a subscription was dropped waits for its own SUBSCRIBE.
 */
export class RoomSubscriptions {
  private readonly subscriptions = new Map<string, Subscription>();

  constructor(
    private readonly subscriber: ChannelSubscriber,
    private readonly lingerMs: number,
    private readonly log: Log,
    /** Called with each channel dropped after its linger, for what is kept per channel elsewhere. */
    private readonly onDropped: (channel: string) => void = () => undefined,
  ) {}

  /** Channels subscribed to or being subscribed to, lingering ones included. */
  get size(): number {
    return this.subscriptions.size;
  }

  has(channel: string): boolean {
    return this.subscriptions.has(channel);
  }

  /** Channels something holds now (lingering ones are not among them). */
  held(): string[] {
    return [...this.subscriptions]
      .filter(([, subscription]) => subscription.holds > 0)
      .map(([channel]) => channel);
  }

  /** Takes a hold on a channel, subscribing at once if it is new (the SUBSCRIBE overlaps the caller's next steps). */
  hold(channel: string): void {
    let subscription = this.subscriptions.get(channel);
    if (!subscription) this.subscriptions.set(channel, (subscription = { holds: 0, sent: false }));
    subscription.holds += 1;
    clearTimeout(subscription.linger);
    subscription.linger = undefined;
    // A failure is handled inside and met again by whoever awaits `confirmed`.
    void this.confirmed(channel);
  }

  /**
   * Settles once Redis has confirmed the subscription of a held channel: from
   * then on every message published on it reaches this node. Callers arriving
   * while the SUBSCRIBE is on its way share it; after a failure the next one
   * sends another.
   */
  confirmed(channel: string): Promise<void> {
    const subscription = this.subscriptions.get(channel);
    if (!subscription) return Promise.reject(new Error(`channel ${channel} is not held`));
    if (!subscription.confirmed) {
      subscription.sent = true;
      const sent = this.subscriber.subscribe(channel);
      subscription.confirmed = sent;
      sent.catch(() => {
        if (subscription.confirmed === sent) subscription.confirmed = undefined;
      });
    }
    return subscription.confirmed;
  }

  /** Sends SUBSCRIBE again for a held channel (after a reconnect) and settles once Redis confirms it. */
  resubscribe(channel: string): Promise<void> {
    const subscription = this.subscriptions.get(channel);
    if (!subscription) return Promise.resolve();
    subscription.confirmed = undefined;
    return this.confirmed(channel);
  }

  release(channel: string): void {
    const subscription = this.subscriptions.get(channel);
    if (!subscription || subscription.holds === 0) return;
    subscription.holds -= 1;
    if (subscription.holds > 0) return;
    subscription.linger = setTimeout(() => this.drop(channel, subscription), this.lingerMs);
    subscription.linger.unref();
  }

  /** Forgets every subscription (at shutdown: the connection closes with them). */
  clear(): void {
    for (const subscription of this.subscriptions.values()) clearTimeout(subscription.linger);
    this.subscriptions.clear();
  }

  private drop(channel: string, subscription: Subscription): void {
    this.subscriptions.delete(channel);
    this.onDropped(channel);
    if (!subscription.sent) return;
    this.subscriber.unsubscribe(channel).catch((error: Error) => {
      // Still subscribed: the node receives a room it has nobody in until its connection resets.
      this.log.warn(`could not unsubscribe from ${channel}: ${error.message}`);
    });
  }
}
