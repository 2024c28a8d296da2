import type { NodeId } from './ids.js';

/** What a node publishes about itself in the membership registry. */
export interface Member {
  id: NodeId;
  /** Where peers reach it: scheme, host and port. */
  url: string;
  /** ms since the epoch, when the process started. */
  startedAt: number;
  /** Random per process: tells a restarted node from an impostor with the same id. */
  instance: string;
}

/** A snapshot of the cluster as one node sees it. */
export interface ClusterChange {
  epoch: number;
  members: ReadonlyMap<NodeId, Member>;
  joined: NodeId[];
  /** The members that left, as they were registered (their URLs are still useful for clean-up). */
  left: Member[];
}
