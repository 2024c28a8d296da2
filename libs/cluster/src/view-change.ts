import type { NodeId } from './ids.js';
import type { ClusterChange } from './member.js';
import { Ring } from './ring.js';

/**
 * The ring after a membership change, at the change's epoch: the live members,
 * with this node while it serves (even before the registry lists it) and without
 * it once it leaves. Never empty: a node with no one else rings itself alone.
 */
export function ringAfter(change: ClusterChange, self: NodeId, leaving: boolean): Ring {
  const nodes = new Set(change.members.keys());
  if (leaving) nodes.delete(self);
  else nodes.add(self);
  return new Ring(nodes.size > 0 ? nodes : [self], change.epoch);
}

/** The log line's account of a change; `first` is this node's own arrival. */
export function describeChange(change: ClusterChange, first: boolean, self: NodeId): string {
  if (first) return `${self} joined the cluster`;
  const parts = [
    ...change.joined.map((node) => `${node} joined`),
    ...change.left.map(({ id }) => `${id} left`),
  ];
  return parts.length > 0 ? parts.join(', ') : 'membership refreshed';
}
