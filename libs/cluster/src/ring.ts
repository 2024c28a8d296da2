import HashRing from 'hashring';
import type { NodeId, SessionId } from './ids.js';

/**
 * The consistent hash ring over the live nodes, equally weighted. Immutable:
 * a membership change builds a new Ring with the next epoch.
 */
export class Ring {
  private readonly ring: HashRing;
  readonly nodes: readonly NodeId[];

  constructor(
    nodes: Iterable<NodeId>,
    readonly epoch: number,
  ) {
    this.nodes = [...new Set(nodes)].sort();
    if (this.nodes.length === 0) throw new Error('a ring needs at least one node');
    this.ring = new HashRing([...this.nodes]);
  }

  /** The node this sid belongs to by hashing alone. */
  ownerOf(sid: SessionId): NodeId {
    return this.ring.get(sid) as NodeId;
  }

  has(node: NodeId): boolean {
    return this.nodes.includes(node);
  }

  toString(): string {
    return `ring epoch ${this.epoch}: ${this.nodes.join(' ')}`;
  }
}
