import { NodeConnections, PollingSession, type NodeAddress } from './polling-session.js';
import { progress } from './progress.js';
import { summarize, type LatencySummary } from './stats.js';

export interface RoundTripOptions {
  /** Measured requests per variant. */
  samples: number;
  /** Requests sent first and not counted: warm JIT, keep-alive pools (ours and the forwarders'). */
  warmup: number;
}

export type RouteVariant = 'direct' | 'forwarded';

export interface RoundTripResult {
  request: string;
  route: RouteVariant;
  latency: LatencySummary;
}

/** One kind of measured exchange, sent by `session` to `node`. */
interface RequestKind {
  name: string;
  send(session: PollingSession, node: NodeAddress): Promise<unknown>;
}

const REQUEST_KINDS: RequestKind[] = [
  {
    // engine.io reads the noop packet and answers "ok" at once: one HTTP request,
    // no socket.io work, so the difference between routes is the forward alone.
    name: 'POST noop',
    send: (session, node) => session.push(node, '6'),
  },
  {
    // The request/answer a polling client waits for: POST an event, GET its ack.
    name: 'emit + ack (POST+GET)',
    send: (session, node) => session.requestWithAck(node),
  },
];

/**
 * Scenario A: the same sessions, the same requests, sent straight to the owner
 * node or to another node that forwards them to the owner. No nginx.
 */
export async function measurePollRoundTrips(
  nodes: NodeAddress[],
  options: RoundTripOptions,
): Promise<RoundTripResult[]> {
  const connections = new NodeConnections();
  // One session owned by each node, so no single node's quirks decide the result.
  const sessions = await Promise.all(nodes.map((node) => PollingSession.open(connections, node)));
  try {
    await Promise.all(sessions.map((session, i) => session.joinChat(session.owner, `bench-a${i}`)));
    const results: RoundTripResult[] = [];
    for (const kind of REQUEST_KINDS) results.push(...(await measureKind(kind, sessions, nodes, options)));
    await Promise.all(sessions.map((session) => session.close()));
    return results;
  } finally {
    connections.close();
  }
}

async function measureKind(
  kind: RequestKind,
  sessions: PollingSession[],
  nodes: NodeAddress[],
  options: RoundTripOptions,
): Promise<RoundTripResult[]> {
  const timings: Record<RouteVariant, number[]> = { direct: [], forwarded: [] };
  const total = options.warmup + options.samples;
  for (let i = 0; i < total; i++) {
    const session = sessions[i % sessions.length];
    // Direct and forwarded alternate, so both see the same machine load over time.
    for (const route of ['direct', 'forwarded'] as const) {
      const elapsed = await timed(() => kind.send(session, targetFor(session, route, nodes)));
      if (i >= options.warmup) timings[route].push(elapsed);
    }
    if ((i + 1) % 500 === 0 || i + 1 === total) {
      progress(
        `scenario A: ${kind.name} ${i + 1}/${total} (direct and forwarded, first ${options.warmup} warm-up)`,
      );
    }
  }
  return (['direct', 'forwarded'] as const).map((route) => ({
    request: kind.name,
    route,
    latency: summarize(timings[route]),
  }));
}

/** The owner itself, or the node after it in the list: any non-owner forwards to the owner. */
function targetFor(session: PollingSession, route: RouteVariant, nodes: NodeAddress[]): NodeAddress {
  if (route === 'direct') return session.owner;
  const ownerIndex = nodes.findIndex((node) => node.id === session.owner.id);
  return nodes[(ownerIndex + 1) % nodes.length];
}

async function timed(action: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await action();
  return performance.now() - start;
}
