import type { NodeId, SessionId } from '@app/cluster';

/**
 * The WebSockets this node relays for sessions owned elsewhere, by sid. A leaving
 * node asks their owners to move them (see `WebSocketMoves`); a relay that starts
 * after that, on a connection opened before the node stopped accepting, is
 * reported to the watcher at once.
 */
export class RelayedWebSockets {
  private readonly owners = new Map<SessionId, NodeId>();
  private watcher?: (owner: NodeId, sid: SessionId) => void;

  get size(): number {
    return this.owners.size;
  }

  /** Records an open relay; returns the function that forgets it when the relay ends. */
  add(sid: SessionId, owner: NodeId): () => void {
    this.owners.set(sid, owner);
    this.watcher?.(owner, sid);
    return () => {
      if (this.owners.get(sid) === owner) this.owners.delete(sid);
    };
  }

  /** The relays open now, grouped by owner; from now on `watcher` hears of each new one. */
  byOwnerThenWatch(watcher: (owner: NodeId, sid: SessionId) => void): Map<NodeId, SessionId[]> {
    this.watcher = watcher;
    return groupByOwner(this.owners);
  }
}

/** Sessions by owner, from a sid → owner map. */
export function groupByOwner(owners: ReadonlyMap<SessionId, NodeId>): Map<NodeId, SessionId[]> {
  const byOwner = new Map<NodeId, SessionId[]>();
  for (const [sid, owner] of owners) {
    const sids = byOwner.get(owner) ?? [];
    sids.push(sid);
    byOwner.set(owner, sids);
  }
  return byOwner;
}
