import type { MoveRequest, NodeId, SessionId } from '@app/cluster';
import type { Log } from '@app/logging';
import type { EngineCluster } from './engine-cluster.js';
import type { PeerAuth, RequestLine } from './peer-auth.js';

export interface WebSocketMovesDeps {
  cluster: Pick<EngineCluster, 'requestMove'>;
  peerAuth: Pick<PeerAuth, 'sign' | 'verify'>;
  /** Closes these local sessions (their clients reconnect); returns how many it closed. */
  closeSessions(sids: readonly SessionId[]): number;
  log: Log;
}

/** Most sids named in one log line; the count is always given. */
const SIDS_LOGGED = 10;

/**
 * Fast graceful leave for relayed WebSockets. A WebSocket relayed by a leaving
 * node goes through that node's process, so it cannot outlive it: instead of
 * waiting for such sockets to close (up to DRAIN_TIMEOUT_MS), the leaving node
 * asks each owner to close them. The owner closes them as a drain closes its own
 * sessions (buffered packets first, then a WebSocket close frame), the clients
 * reconnect through nginx to a node that stays and resume from their last ids.
 * Requests go over Redis pub/sub, signed like forwarded requests: Redis cannot
 * make an owner drop sessions on a node's behalf, nor replay a request.
 */
export class WebSocketMoves {
  constructor(private readonly deps: WebSocketMovesDeps) {}

  /** The leaving node's side: asks `owner` to move these sessions. */
  async request(owner: NodeId, sids: SessionId[]): Promise<void> {
    const proof = this.deps.peerAuth.sign(owner, moveRequestLine(sids));
    this.deps.log.info(`asking ${owner} to move ${sids.length} WebSockets relayed here: ${listed(sids)}`);
    await this.deps.cluster.requestMove(owner, sids, proof).catch((error: Error) => {
      this.deps.log.warn(`could not ask ${owner} to move its WebSockets: ${error.message}`);
    });
  }

  /** The owner's side: closes the sessions named by a request that `from` signed for this node. */
  onRequest({ from, sids, proof }: MoveRequest): void {
    const wellFormed =
      Array.isArray(sids) && sids.every((sid) => typeof sid === 'string') && typeof proof === 'object';
    if (!wellFormed || this.deps.peerAuth.verify(proof, moveRequestLine(sids)) !== from) {
      this.deps.log.warn(`ignored a request to move sessions in the name of ${from}: its signature fails`);
      return;
    }
    const closed = this.deps.closeSessions(sids);
    this.deps.log.info(
      `${from} is leaving: closed ${closed} of ${sids.length} sessions whose WebSockets it relays; ` +
        `their clients reconnect through another node`,
    );
  }
}

/** What the signature covers: the request kind and every sid, in order. */
function moveRequestLine(sids: readonly SessionId[]): RequestLine {
  return { method: 'MOVE', url: sids.join(',') };
}

function listed(sids: readonly SessionId[]): string {
  const shown = sids.slice(0, SIDS_LOGGED).join(', ');
  return sids.length > SIDS_LOGGED ? `${shown} and ${sids.length - SIDS_LOGGED} more` : shown;
}
