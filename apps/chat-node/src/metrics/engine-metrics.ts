import type { Server as EngineServer, Socket as EngineSocket } from 'engine.io';
import type { NodeMetrics } from './node-metrics.js';

/**
 * Counts the engine's handshakes and transport upgrades, and returns how to
 * read its sessions by current transport. The engine's own session table is
 * private, so the open sessions are kept here, from the public events; the
 * count walks them (for scrapes and the stats record, not for a hot path).
 */
export function watchEngine(
  engine: EngineServer,
  metrics: Pick<NodeMetrics, 'handshake' | 'transportUpgraded'>,
): () => Record<string, number> {
  const open = new Set<EngineSocket>();
  engine.on('connection', (socket: EngineSocket) => {
    open.add(socket);
    metrics.handshake(socket.transport.name);
    socket.once('upgrade', () => metrics.transportUpgraded());
    socket.once('close', () => open.delete(socket));
  });
  return () => {
    const counts: Record<string, number> = { polling: 0, websocket: 0 };
    for (const socket of open) counts[socket.transport.name] = (counts[socket.transport.name] ?? 0) + 1;
    return counts;
  };
}
