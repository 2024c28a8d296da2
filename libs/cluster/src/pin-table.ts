import type { Log } from '@app/logging';
import { ClusterMessageType, type ClusterMessage } from './cluster-messages.js';
import type { NodeId, SessionId } from './ids.js';
import type { PinStore } from './pin-store.js';

/**
 * sid → host node, for every session that can be reached over HTTP (polling),
 * on every node. The host writes a pin when it creates such a session and erases
 * it when the session closes; peers learn both by pub/sub, and a node that starts
 * (or reconnects) reads them all from Redis. Routing asks the pins first and the
 * ring second, so a session stays reachable where it lives whatever the ring
 * does while it is open.
 */
export class PinTable {
  private readonly hostOf = new Map<SessionId, NodeId>();
  private readonly byNode = new Map<NodeId, Set<SessionId>>();

  constructor(
    private readonly self: NodeId,
    private readonly store: PinStore,
    private readonly log: Log,
  ) {}

  get size(): number {
    return this.hostOf.size;
  }

  lookup(sid: SessionId): NodeId | undefined {
    return this.hostOf.get(sid);
  }

  /** Publishes a pin for a session this node hosts; resolves once it is stored. */
  async pinLocal(sid: SessionId): Promise<void> {
    this.set(sid, this.self);
    await this.store.add(this.self, sid);
  }

  /** Erases the pin of a closed local session (fire and forget: a stale pin only costs a 400). */
  unpinLocal(sid: SessionId): void {
    if (!this.delete(sid)) return;
    this.store
      .remove(this.self, sid)
      .catch((error: Error) => this.log.warn(`could not erase pin of ${sid}: ${error.message}`));
  }

  /** Applies a peer's pin message; our own come back too and are ignored. */
  onMessage(message: ClusterMessage): void {
    if (message.node === this.self) return;
    if (message.type === ClusterMessageType.Pinned) this.set(message.sid, message.node);
    else if (message.type === ClusterMessageType.Unpinned) this.delete(message.sid);
  }

  /** Reads the pins of `nodes` from the store (at start, and after a lost subscription). */
  async loadFrom(nodes: Iterable<NodeId>): Promise<void> {
    for (const node of nodes) {
      if (node === this.self) continue;
      for (const sid of await this.store.sessionsOf(node)) this.set(sid, node);
    }
  }

  /** Forgets every pin of a node that left: its sessions are gone with it. */
  dropNode(node: NodeId): number {
    const sids = this.byNode.get(node);
    if (!sids) return 0;
    for (const sid of sids) this.hostOf.delete(sid);
    this.byNode.delete(node);
    return sids.size;
  }

  private set(sid: SessionId, node: NodeId): void {
    const previous = this.hostOf.get(sid);
    if (previous === node) return;
    if (previous) this.byNode.get(previous)?.delete(sid);
    this.hostOf.set(sid, node);
    let sids = this.byNode.get(node);
    if (!sids) this.byNode.set(node, (sids = new Set()));
    sids.add(sid);
  }

  private delete(sid: SessionId): boolean {
    const node = this.hostOf.get(sid);
    if (!node) return false;
    this.hostOf.delete(sid);
    this.byNode.get(node)?.delete(sid);
    return true;
  }
}
