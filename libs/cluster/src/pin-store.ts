import type { RedisClient } from '@app/redis';
import type { ClusterKeys } from './cluster-options.js';
import { ClusterMessageType, encodeClusterMessage } from './cluster-messages.js';
import type { NodeId, SessionId } from './ids.js';

/** Where pins are kept and announced, so peers and later nodes learn them. */
export interface PinStore {
  /** Records that `node` hosts `sid` and tells the peers; resolves once stored. */
  add(node: NodeId, sid: SessionId): Promise<void>;
  /** Erases that pin and tells the peers. */
  remove(node: NodeId, sid: SessionId): Promise<void>;
  /** Every sid pinned to `node`. */
  sessionsOf(node: NodeId): Promise<SessionId[]>;
}

/**
 * Pins in Redis: one set per host node (which its leave and its expiry delete),
 * and a message on the pin channel for each change, written in one MULTI. On a
 * Redis Cluster the message is sharded (SPUBLISH): the pin sets and the channel
 * share the cluster prefix's hash tag, so the MULTI stays in one slot.
 */
export class RedisPinStore implements PinStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: ClusterKeys,
    private readonly sharded: boolean,
  ) {}

  async add(node: NodeId, sid: SessionId): Promise<void> {
    await this.write(ClusterMessageType.Pinned, node, sid);
  }

  async remove(node: NodeId, sid: SessionId): Promise<void> {
    await this.write(ClusterMessageType.Unpinned, node, sid);
  }

  async sessionsOf(node: NodeId): Promise<SessionId[]> {
    return (await this.redis.smembers(this.keys.pins(node))) as SessionId[];
  }

  private async write(
    type: ClusterMessageType.Pinned | ClusterMessageType.Unpinned,
    node: NodeId,
    sid: SessionId,
  ): Promise<void> {
    const multi = this.redis.multi();
    if (type === ClusterMessageType.Pinned) multi.sadd(this.keys.pins(node), sid);
    else multi.srem(this.keys.pins(node), sid);
    const message = encodeClusterMessage({ type, node, sid });
    if (this.sharded) multi.spublish(this.keys.pinChannel, message);
    else multi.publish(this.keys.pinChannel, message);
    await multi.exec();
  }
}
