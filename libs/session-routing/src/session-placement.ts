import type { IncomingMessage } from 'node:http';
import type { Server as EngineServer, Socket as EngineSocket } from 'engine.io';
import type { Log } from '@app/logging';
import { describeEngineRequest } from './engine-request.js';
import type { EngineCluster } from './engine-cluster.js';
import { engineSessionId } from './engine-internals.js';

/** What placement needs of the cluster. */
export type PlacementCluster = Pick<EngineCluster, 'mintSessionId'> & {
  readonly pins: Pick<EngineCluster['pins'], 'pinLocal' | 'unpinLocal'>;
};

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
      if (describeEngineRequest(req, false).transport !== 'websocket') {
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
