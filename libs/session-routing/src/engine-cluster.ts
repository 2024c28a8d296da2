import type { MoveRequest, NodeId, SessionId } from '@app/cluster';

/** A member that left, as far as the routed engine cares: where it lived. */
export interface DepartedMember {
  id: NodeId;
  url: string;
}

/** Membership changed; the engine drops its connections to and from the members that left. */
export interface MembershipChange {
  left: readonly DepartedMember[];
}

/**
 * What the routed engine needs of the cluster: ring and pins to find owners,
 * membership to find their URLs, and the few calls that placement and a drain
 * make. `ClusterView` provides it; a unit test passes a small fake.
 */
export interface EngineCluster {
  readonly self: NodeId;
  /** True once this node has left the ring (draining). */
  readonly isLeaving: boolean;
  readonly ring: { ownerOf(sid: SessionId): NodeId };
  readonly pins: {
    /** The node hosting a pinned session; consulted before the ring. */
    lookup(sid: SessionId): NodeId | undefined;
    pinLocal(sid: SessionId): Promise<void>;
    unpinLocal(sid: SessionId): void;
  };
  /** The advertised URL of a live member; undefined for anything else. */
  urlOf(node: NodeId): string | undefined;
  /** A live peer to hand a handshake to while this node drains. */
  anyPeer(): NodeId | undefined;
  /** A forward to `node` failed: check its heartbeat now. */
  suspect(node: NodeId): void;
  /** Reads the membership now; resolves once a heartbeat begun after the call has answered. */
  catchUp(): Promise<void>;
  /** A new sid that the ring maps to this node. */
  mintSessionId(): SessionId;
  /** Asks `owner` to answer the long-polls this node relays for it. */
  requestFlush(owner: NodeId, sids: SessionId[]): Promise<void>;
  /** Asks `owner` to close the sessions whose WebSockets this node relays (a leaving node). */
  requestMove(owner: NodeId, sids: SessionId[], proof: Record<string, string>): Promise<void>;
  // `flushPolls`: a draining peer asks this node to answer these sessions' pending long-polls.
  // `moveSessions`: a leaving peer asks this node to close sessions it relays WebSockets of.
  on(event: 'change', listener: (change: MembershipChange) => void): unknown;
  on(event: 'flushPolls', listener: (sids: SessionId[]) => void): unknown;
  on(event: 'moveSessions', listener: (request: MoveRequest) => void): unknown;
  off(event: 'change', listener: (change: MembershipChange) => void): unknown;
  off(event: 'flushPolls', listener: (sids: SessionId[]) => void): unknown;
  off(event: 'moveSessions', listener: (request: MoveRequest) => void): unknown;
}
