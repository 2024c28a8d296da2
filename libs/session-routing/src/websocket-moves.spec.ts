import { describe, expect, it, vi } from 'vitest';
import { asNodeId, type MoveRequest, type NodeId, type SessionId } from '@app/cluster';
import type { Log } from '@app/logging';
import { PeerAuth } from './peer-auth.js';
import { WebSocketMoves } from './websocket-moves.js';

const SECRET = 'the-cluster-secret-0123';
const node1 = asNodeId('node1');
const node2 = asNodeId('node2');
const sids = ['s1', 's2'] as SessionId[];

function recordingLog(): Log & { lines: string[] } {
  const lines: string[] = [];
  const record = (message: string): void => void lines.push(message);
  return { lines, error: record, warn: record, info: record, debug: record, isDebugEnabled: () => false };
}

/** One side of the exchange: node `self` with its own PeerAuth and a fake cluster channel. */
function side(self: NodeId) {
  const sent: Array<{ owner: NodeId; sids: SessionId[]; proof: Record<string, string> }> = [];
  const closed: SessionId[][] = [];
  const log = recordingLog();
  const moves = new WebSocketMoves({
    cluster: {
      requestMove: (owner, sids, proof) => {
        sent.push({ owner, sids, proof });
        return Promise.resolve();
      },
    },
    peerAuth: new PeerAuth({ secret: SECRET, self }),
    closeSessions: (list) => {
      closed.push([...list]);
      return list.length;
    },
    log,
  });
  return { moves, sent, closed, log };
}

describe('WebSocketMoves', () => {
  it('closes the sessions a leaving peer asks to move, under its signature', async () => {
    const leaving = side(node2);
    const owner = side(node1);
    await leaving.moves.request(node1, sids);
    expect(leaving.log.lines).toEqual(['asking node1 to move 2 WebSockets relayed here: s1, s2']);
    const [message] = leaving.sent;
    owner.moves.onRequest({ from: node2, sids: message.sids, proof: message.proof });
    expect(owner.closed).toEqual([sids]);
    expect(owner.log.lines[0]).toMatch(/^node2 is leaving: closed 2 of 2 sessions/);
  });

  it.each<[string, (request: MoveRequest) => MoveRequest]>([
    ['a request naming other sessions', (r) => ({ ...r, sids: ['s3'] as SessionId[] })],
    ['a request claiming another sender', (r) => ({ ...r, from: asNodeId('node3') })],
    ['a request without a proof', (r) => ({ ...r, proof: {} })],
    ['a malformed request', (r) => ({ ...r, sids: 'nope' as unknown as SessionId[] })],
  ])('ignores %s', async (_name, alter) => {
    const leaving = side(node2);
    const owner = side(node1);
    await leaving.moves.request(node1, sids);
    const { proof } = leaving.sent[0];
    owner.moves.onRequest(alter({ from: node2, sids, proof }));
    expect(owner.closed).toEqual([]);
    expect(owner.log.lines[0]).toMatch(/ignored a request to move sessions in the name of/);
  });

  it('acts on a request once: a replay from Redis closes nothing', async () => {
    const leaving = side(node2);
    const owner = side(node1);
    await leaving.moves.request(node1, sids);
    const request = { from: node2, sids, proof: leaving.sent[0].proof };
    owner.moves.onRequest(request);
    owner.moves.onRequest(request);
    expect(owner.closed).toHaveLength(1);
  });

  it('logs, and does not throw, when the request cannot be sent', async () => {
    const log = recordingLog();
    const moves = new WebSocketMoves({
      cluster: { requestMove: vi.fn(() => Promise.reject(new Error('redis away'))) },
      peerAuth: new PeerAuth({ secret: SECRET, self: node2 }),
      closeSessions: () => 0,
      log,
    });
    await moves.request(node1, sids);
    expect(log.lines[1]).toBe('could not ask node1 to move its WebSockets: redis away');
  });
});
