import type { IncomingMessage } from 'node:http';
import type { Server as EngineServer, Socket as EngineSocket } from 'engine.io';
import type { SessionId } from '@app/cluster';
import type { Log } from '@app/logging';

/** What placement needs of the cluster (ClusterView provides it). */
export interface PlacementCluster {
  mintSessionId(): SessionId;
  pins: {
    pinLocal(sid: SessionId): Promise<void>;
    unpinLocal(sid: SessionId): void;
  };
}

/**
 * Makes the engine create sessions this node owns: each new sid is one the ring
 * maps here (no hop for handshakes). A session other nodes may be asked to reach
 * over HTTP — any that starts on polling — is pinned before the client learns its
 * sid, and unpinned when it closes.
 */
export class SessionPlacement {
  constructor(
    private readonly cluster: PlacementCluster,
    private readonly log: Log,
  ) {}

  install(engine: EngineServer): void {
    engine.generateId = async (req: IncomingMessage) => {
      const sid = this.cluster.mintSessionId();
      // A WebSocket-only session never sends another request: nothing to route, no pin.
      if (transportOf(req) !== 'websocket') {
        try {
          await this.cluster.pins.pinLocal(sid);
        } catch (error) {
          // The ring still routes it here while the membership holds.
          this.log.warn(`could not pin ${sid}: ${(error as Error).message}`);
        }
      }
      return sid;
    };
    engine.on('connection', (socket: EngineSocket) => {
      socket.once('close', () => this.cluster.pins.unpinLocal(engineSessionId(socket)));
    });
  }
}

/** engine.io's types mark the id private, though it is the session's public name. */
export function engineSessionId(socket: EngineSocket): SessionId {
  return (socket as unknown as { id: SessionId }).id;
}

function transportOf(req: IncomingMessage): string | undefined {
  return (req as IncomingMessage & { _query?: Record<string, string> })._query?.transport;
}
