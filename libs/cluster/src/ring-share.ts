import { createHash } from 'node:crypto';
import type { NodeId, SessionId } from './ids.js';
import type { Ring } from './ring.js';

/** Probes per estimate: a share of 1/3 comes out within about ±1.5 points. */
const DEFAULT_PROBES = 4096;

/**
 * The fraction of new sessions the ring gives each node, estimated by placing
 * `probes` fixed, well-spread ids (the hash ring exposes no arc lengths). For
 * people (the admin view): routing never reads it.
 */
export function ringShares(ring: Ring, probes = DEFAULT_PROBES): Map<NodeId, number> {
  const counts = new Map<NodeId, number>(ring.nodes.map((node) => [node, 0]));
  for (let i = 0; i < probes; i++) {
    const owner = ring.ownerOf(probeId(i));
    counts.set(owner, (counts.get(owner) ?? 0) + 1);
  }
  return new Map([...counts].map(([node, count]) => [node, count / probes]));
}

/** Probe ids made so far: the same for every ring, so made once. */
const probeIds: SessionId[] = [];

/** The i-th probe: a sid-shaped id, the same on every node, so every node reports the same shares. */
function probeId(i: number): SessionId {
  for (let next = probeIds.length; next <= i; next++) {
    probeIds.push(
      createHash('sha256').update(`ring-share-probe:${next}`).digest('base64url').slice(0, 20) as SessionId,
    );
  }
  return probeIds[i];
}
