import type { NodeId, SessionId } from './ids.js';

/**
 * What nodes tell each other over Redis pub/sub. Membership messages only wake
 * the others up early (the registry is the truth); pin messages carry state.
 */
export enum ClusterMessageType {
  Joined = 'joined',
  Left = 'left',
  Pinned = 'pinned',
  Unpinned = 'unpinned',
  /** From a draining node to an owner: answer these relayed long-polls now. */
  FlushPolls = 'flush-polls',
  /**
   * From a leaving node to an owner: close these sessions, whose WebSockets the
   * leaving node relays, so their clients reconnect through a node that stays.
   */
  MoveSessions = 'move-sessions',
}

export type ClusterMessage =
  | { type: ClusterMessageType.Joined; node: NodeId }
  | { type: ClusterMessageType.Left; node: NodeId }
  | { type: ClusterMessageType.Pinned; node: NodeId; sid: SessionId }
  | { type: ClusterMessageType.Unpinned; node: NodeId; sid: SessionId }
  | {
      type: ClusterMessageType.FlushPolls;
      node: NodeId;
      owner: NodeId;
      sids: SessionId[];
    }
  | {
      type: ClusterMessageType.MoveSessions;
      node: NodeId;
      owner: NodeId;
      sids: SessionId[];
      /** Peer signature headers: Redis is not trusted to speak for the leaving node. */
      proof: Record<string, string>;
    };

export function encodeClusterMessage(message: ClusterMessage): string {
  return JSON.stringify(message);
}

/** Parses a message, or returns undefined for anything malformed. */
export function decodeClusterMessage(raw: string): ClusterMessage | undefined {
  try {
    const message = JSON.parse(raw) as ClusterMessage;
    if (typeof message !== 'object' || message === null || typeof message.node !== 'string') return undefined;
    return Object.values(ClusterMessageType).includes(message.type) ? message : undefined;
  } catch {
    return undefined;
  }
}
