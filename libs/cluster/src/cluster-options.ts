import type { NodeId } from './ids.js';

export interface ClusterOptions {
  /** This node's id. */
  self: NodeId;
  /** This node's advertised URL, where peers forward requests. */
  url: string;
  /** The shared CLUSTER_SECRET: signs this node's member record and checks the others'. */
  secret: string;
  /** How often a node renews its registration and reads the others'. @default 1000 */
  heartbeatIntervalMs?: number;
  /** A node silent this long is dropped from the ring (crash detection). @default 3000 */
  memberTtlMs?: number;
  /** Prefix of every Redis key and channel (a hash tag, so Redis Cluster keeps them in one slot). @default '{ringchat}' */
  keyPrefix?: string;
}

export const CLUSTER_DEFAULTS = {
  heartbeatIntervalMs: 1000,
  memberTtlMs: 3000,
  keyPrefix: '{ringchat}',
} as const;

export type ResolvedClusterOptions = Required<ClusterOptions>;

export function resolveClusterOptions(options: ClusterOptions): ResolvedClusterOptions {
  const resolved = { ...CLUSTER_DEFAULTS, ...options };
  if (resolved.memberTtlMs < 2 * resolved.heartbeatIntervalMs) {
    throw new Error('memberTtlMs must be at least twice heartbeatIntervalMs, or live nodes would flap');
  }
  return resolved;
}

/** Redis keys and channels, derived from the prefix in one place. */
export function clusterKeys(prefix: string) {
  return {
    members: `${prefix}:members`,
    memberInfo: `${prefix}:member-info`,
    epoch: `${prefix}:epoch`,
    /** When any node last heartbeat (Redis time, ms): longer gaps are outages, not deaths. */
    lastHeartbeat: `${prefix}:last-heartbeat`,
    /** id → "instance admittedAt again" of each member's latest admission (see the heartbeat script). */
    memberAdmissions: `${prefix}:member-admissions`,
    pins: (node: string) => `${prefix}:pins:${node}`,
    membershipChannel: `${prefix}:membership`,
    pinChannel: `${prefix}:pins`,
  };
}

export type ClusterKeys = ReturnType<typeof clusterKeys>;
