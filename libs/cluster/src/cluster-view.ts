import { EventEmitter } from 'node:events';
import { randomUUID } from 'node:crypto';
import type { PubSubChannels, RedisClient } from '@app/redis';
import type { Log } from '@app/logging';
import {
  clusterKeys,
  resolveClusterOptions,
  type ClusterKeys,
  type ClusterOptions,
  type ResolvedClusterOptions,
} from './cluster-options.js';
import { ClusterMessageType, decodeClusterMessage, encodeClusterMessage } from './cluster-messages.js';
import type { NodeId, SessionId } from './ids.js';
import type { ClusterChange, Member } from './member.js';
import { Membership, type NodeDropped, type NodeIdTakenError } from './membership.js';
import { MembershipEventLog, type MembershipEvent } from './membership-event-log.js';
import { RedisMembershipStore } from './membership-store.js';
import { RedisPinStore } from './pin-store.js';
import { PinTable } from './pin-table.js';
import { Ring } from './ring.js';
import { mintSessionIdFor, randomSessionIdFrom } from './session-ids.js';
import { describeChange, ringAfter } from './view-change.js';

export interface ClusterViewEvents {
  change: [ClusterChange];
  conflict: [NodeIdTakenError];
  /**
   * Peers dropped this node while it was out of touch (paused longer than the
   * TTL) and it is back in the registry: the sessions it holds were given up
   * for lost, their clients are reconnecting elsewhere; close them.
   */
  dropped: [NodeDropped];
  /** A draining peer asks this node to answer these sessions' pending long-polls. */
  flushPolls: [SessionId[]];
  /** A leaving peer asks this node to move the sessions whose WebSockets it relays. */
  moveSessions: [MoveRequest];
  /** A node joined, left gracefully or expired (after `change`, once told apart). */
  membershipEvent: [MembershipEvent];
}

/** A leaving peer's request to close sessions it relays; `proof` is checked by the receiver. */
export interface MoveRequest {
  from: NodeId;
  sids: SessionId[];
  proof: Record<string, string>;
}

/**
 * This node's picture of the cluster: the members, the ring built over them,
 * and the pins. Answers the two questions routing asks — who owns this sid, and
 * where does that node live — from memory, never with a Redis round trip.
 */
export class ClusterView extends EventEmitter<ClusterViewEvents> {
  readonly self: NodeId;
  readonly pins: PinTable;
  private readonly options: ResolvedClusterOptions;
  private readonly keys: ClusterKeys;
  private readonly membership: Membership;
  private ringValue: Ring;
  private leaving = false;
  private subscribedOnce = false;
  private readonly events = new MembershipEventLog({ onEvent: (event) => this.onMembershipEvent(event) });

  constructor(
    options: ClusterOptions,
    redis: RedisClient,
    private readonly channels: PubSubChannels,
    private readonly log: Log,
  ) {
    super();
    this.options = resolveClusterOptions(options);
    this.self = options.self;
    this.keys = clusterKeys(this.options.keyPrefix);
    const member: Member = {
      id: this.self,
      url: options.url,
      startedAt: Date.now(),
      instance: randomUUID(),
    };
    this.membership = new Membership(member, new RedisMembershipStore(redis, this.keys), this.options, log);
    this.pins = new PinTable(this.self, new RedisPinStore(redis, this.keys, channels.sharded), log);
    // Until the first heartbeat answers, this node alone: it can still serve.
    this.ringValue = new Ring([this.self], 0);
    this.membership.on('change', (change) => this.onMembershipChange(change));
    this.membership.on('conflict', (error) => this.emit('conflict', error));
    this.membership.on('dropped', (dropped) => this.onDropped(dropped));
  }

  get ring(): Ring {
    return this.ringValue;
  }

  get epoch(): number {
    return this.ringValue.epoch;
  }

  members(): ReadonlyMap<NodeId, Member> {
    return this.membership.current().members;
  }

  /** True when no heartbeat was answered for longer than the member TTL (see `Membership.isStale`). */
  get isStale(): boolean {
    return this.membership.isStale();
  }

  /** The latest joins, graceful leaves and expiries this node saw, oldest first. */
  recentEvents(): readonly MembershipEvent[] {
    return this.events.recent();
  }

  /** True once this node has left the ring (draining). */
  get isLeaving(): boolean {
    return this.leaving;
  }

  /** Subscribes, joins (rejecting a duplicate id), and loads the peers' pins. */
  async start(): Promise<void> {
    this.channels.onMessage((channel, raw) => this.onMessage(channel, raw));
    // After a lost subscription, pins published meanwhile were missed: reload them.
    this.channels.onResubscribed(() => {
      if (this.subscribedOnce) void this.reloadPins();
    });
    await this.channels.subscribe(this.keys.membershipChannel, this.keys.pinChannel);
    this.subscribedOnce = true;
    await this.membership.join();
    await this.announce(ClusterMessageType.Joined);
    await this.reloadPins();
  }

  /** The advertised URL of a live member; undefined for anything else. */
  urlOf(node: NodeId): string | undefined {
    return this.members().get(node)?.url;
  }

  /**
   * A new sid this node owns by the ring. Off the ring, a random one that still
   * names this node: the session lives here (pinned), so the front door's hint holds.
   */
  mintSessionId(): SessionId {
    return mintSessionIdFor(this.ringValue, this.self) ?? randomSessionIdFrom(this.self);
  }

  /** A live peer to hand a handshake to while this node drains. */
  anyPeer(): NodeId | undefined {
    const peers = this.ringValue.nodes.filter((node) => node !== this.self);
    return peers[Math.floor(Math.random() * peers.length)];
  }

  /** A forward to `node` failed: check its heartbeat now rather than at the next tick. */
  suspect(node: NodeId): void {
    this.log.warn(`${node} did not answer a forwarded request; marked suspect, checking membership`);
    this.membership.beatSoon();
  }

  /**
   * Reads the membership now (one heartbeat, coalesced): a request named an owner
   * this node has not seen join yet. Resolves once the view is that fresh.
   */
  catchUp(): Promise<void> {
    return this.membership.catchUp();
  }

  /** Leaves the ring (graceful shutdown): peers stop sending this node new sessions. */
  async leave(): Promise<void> {
    if (this.leaving) return;
    this.leaving = true;
    await this.membership.leave();
    await this.announce(ClusterMessageType.Left);
  }

  /**
   * Asks `owner` to answer the long-polls this node relays for it (with a no-op
   * packet), so a draining node is not left holding them until the next ping.
   */
  async requestFlush(owner: NodeId, sids: SessionId[]): Promise<void> {
    const message = encodeClusterMessage({
      type: ClusterMessageType.FlushPolls,
      node: this.self,
      owner,
      sids,
    });
    await this.channels.publish(this.keys.membershipChannel, message);
  }

  /**
   * Asks `owner` to close the sessions whose WebSockets this node relays, so a
   * leaving node need not wait for them; `proof` lets the owner check the sender.
   */
  async requestMove(owner: NodeId, sids: SessionId[], proof: Record<string, string>): Promise<void> {
    const message = encodeClusterMessage({
      type: ClusterMessageType.MoveSessions,
      node: this.self,
      owner,
      sids,
      proof,
    });
    await this.channels.publish(this.keys.membershipChannel, message);
  }

  /** Stops timers and the subscription. */
  async close(): Promise<void> {
    this.membership.stop();
    this.events.close();
    try {
      await this.channels.unsubscribe(this.keys.membershipChannel, this.keys.pinChannel);
    } catch {
      // The connection is closing anyway.
    }
  }

  private async announce(type: ClusterMessageType.Joined | ClusterMessageType.Left): Promise<void> {
    await this.channels.publish(this.keys.membershipChannel, encodeClusterMessage({ type, node: this.self }));
  }

  private onMessage(channel: string, raw: string): void {
    // The subscriber connection is shared with the chat fan-out, which listens on its own channel.
    if (channel !== this.keys.pinChannel && channel !== this.keys.membershipChannel) return;
    const message = decodeClusterMessage(raw);
    if (!message) {
      this.log.warn(`ignored a malformed message on ${channel}`);
      return;
    }
    if (channel === this.keys.pinChannel) return this.pins.onMessage(message);
    if (message.node === this.self) return;
    if (message.type === ClusterMessageType.FlushPolls) {
      if (message.owner === this.self) this.emit('flushPolls', message.sids);
      return;
    }
    if (message.type === ClusterMessageType.MoveSessions) {
      if (message.owner === this.self) {
        this.emit('moveSessions', { from: message.node, sids: message.sids, proof: message.proof });
      }
      return;
    }
    if (message.type === ClusterMessageType.Left) this.events.announce(message.node);
    this.membership.beatSoon();
  }

  private onMembershipChange(change: ClusterChange): void {
    const previous = this.ringValue;
    this.ringValue = ringAfter(change, this.self, this.leaving);
    for (const { id } of change.left) {
      const dropped = this.pins.dropNode(id);
      if (dropped > 0) this.log.debug(`forgot ${dropped} pins of ${id}`);
    }
    this.log.info(`${describeChange(change, previous.epoch === 0, this.self)}; ${this.ringValue.toString()}`);
    this.emit('change', change);
    for (const id of change.joined) this.events.joined(id, change.epoch);
    for (const { id } of change.left) if (id !== this.self) this.events.departed(id, change.epoch);
  }

  /** A crash, a pause or a cut-off is worth a warning; a graceful leave is routine. */
  private onMembershipEvent(event: MembershipEvent): void {
    const fields = { peer: event.node, kind: event.kind, epoch: event.epoch };
    if (event.kind === 'expired') {
      this.log.warn(
        `${event.node} expired: no heartbeat for ${this.options.memberTtlMs} ms ` +
          `(crashed, paused or cut off from Redis); dropped from the ring`,
        fields,
      );
    } else if (event.kind === 'left' && event.node !== this.self) {
      this.log.info(`${event.node} left the cluster gracefully`, fields);
    }
    this.emit('membershipEvent', event);
  }

  /** Back in the registry: peers hear of it now rather than at their next heartbeat. */
  private onDropped(dropped: NodeDropped): void {
    this.emit('dropped', dropped);
    this.announce(ClusterMessageType.Joined).catch((error: Error) =>
      this.log.warn(`could not announce the rejoin: ${error.message}`),
    );
    // Pins published or erased while this node was away may have been missed.
    void this.reloadPins();
  }

  private async reloadPins(): Promise<void> {
    try {
      await this.pins.loadFrom(this.members().keys());
    } catch (error) {
      this.log.warn(`could not load pins: ${(error as Error).message}`);
    }
  }
}
