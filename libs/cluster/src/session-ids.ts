import { randomBytes } from 'node:crypto';
import type { NodeId, SessionId } from './ids.js';
import type { Ring } from './ring.js';

/** A random sid in engine.io's format: 15 random bytes, 20 url-safe characters. */
export function randomSessionId(): SessionId {
  return randomBytes(15).toString('base64url') as SessionId;
}

/**
 * A random sid that names the node creating it: `<nodeId>.<20 random characters>`.
 * The prefix is only a hint for the front door (nginx can send the session's
 * requests straight to that node); routing never trusts it, the ring and pins decide.
 */
export function randomSessionIdFrom(self: NodeId): SessionId {
  return `${self}.${randomSessionId()}` as SessionId;
}

/**
 * A fresh sid, prefixed with `self`, that `ring` maps to `self`, so the node
 * receiving a handshake can own the session it creates: handshakes never hop. With
 * N equal nodes this takes N tries on average; the bound only matters for a ring
 * `self` is not on.
 */
export function mintSessionIdFor(ring: Ring, self: NodeId, maxTries = 1000): SessionId | undefined {
  if (!ring.has(self)) return undefined;
  for (let i = 0; i < maxTries; i++) {
    const sid = randomSessionIdFrom(self);
    if (ring.ownerOf(sid) === self) return sid;
  }
  return undefined;
}
