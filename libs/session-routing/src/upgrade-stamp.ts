import type { IncomingMessage } from 'node:http';
import type { Server as EngineServer } from 'engine.io';

/** Upgrades a peer relayed here, by the relaying node: the node nginx reached. */
const relayedBy = new WeakMap<IncomingMessage, string>();

/** Remembers that `via` relayed this upgrade, for the names in its answer. */
export function noteRelayedUpgrade(req: IncomingMessage, via: string): void {
  relayedBy.set(req, via);
}

/**
 * Names the nodes in a WebSocket's 101 answer as EngineEntry does on HTTP responses:
 * `x-node` is the node that received the upgrade (the one nginx reached, so its
 * access log can name it), `x-owner` the node that hosts the session.
 */
export function stampUpgradeAnswers(engine: EngineServer, self: string): void {
  engine.on('headers', (headers: Record<string, string>, req: IncomingMessage) => {
    // HTTP responses carry EngineEntry's stamp already.
    if (!req.headers.upgrade) return;
    headers['x-node'] = relayedBy.get(req) ?? self;
    headers['x-owner'] = self;
  });
}
