import { EventEmitter, once } from 'node:events';
import { randomBytes } from 'node:crypto';
import {
  createServer,
  request,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { WebSocket } from 'ws';
import { asNodeId, parseSessionId, type NodeId, type SessionId } from '@app/cluster';
import type { Log } from '@app/logging';
import type { EngineCluster } from './engine-cluster.js';
import { PeerAuth } from './peer-auth.js';
import { createRoutedEngine, type RoutedEngine } from './routed-engine.js';

// The factory's contract, over a real http server on 127.0.0.1 and a one-node
// fake cluster: placement, the front door, flushes, drain and close.

class OneNodeCluster extends EventEmitter implements EngineCluster {
  readonly self = asNodeId('node1');
  isLeaving = false;
  readonly pinned = new Set<SessionId>();
  readonly ring = { ownerOf: (): NodeId => this.self };
  readonly pins = {
    lookup: (sid: SessionId): NodeId | undefined => (this.pinned.has(sid) ? this.self : undefined),
    pinLocal: (sid: SessionId): Promise<void> => {
      this.pinned.add(sid);
      return Promise.resolve();
    },
    unpinLocal: (sid: SessionId): void => void this.pinned.delete(sid),
  };
  readonly requestFlush = vi.fn(() => Promise.resolve());
  readonly requestMove = vi.fn(() => Promise.resolve());
  urlOf(): string | undefined {
    return undefined;
  }
  anyPeer(): NodeId | undefined {
    return undefined;
  }
  suspect(): void {}
  catchUp(): Promise<void> {
    return Promise.resolve();
  }
  mintSessionId(): SessionId {
    return parseSessionId(randomBytes(15).toString('base64url')) ?? this.mintSessionId();
  }
}

const quiet: Log = {
  error: () => undefined,
  warn: () => undefined,
  info: () => undefined,
  debug: () => undefined,
  isDebugEnabled: () => false,
};

let server: Server;
let routed: RoutedEngine | undefined;

afterEach(async () => {
  routed?.close();
  routed = undefined;
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

async function start(): Promise<{ cluster: OneNodeCluster; url: string }> {
  server = createServer((_req, res) => res.end('the app'));
  const cluster = new OneNodeCluster();
  routed = createRoutedEngine(
    { httpServer: server, cluster, logger: { forContext: () => quiet } },
    { clusterSecret: 'the-cluster-secret-0123', engine: { pingInterval: 10_000, pingTimeout: 5000 } },
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { cluster, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

function get(url: string): Promise<{ status: number; headers: IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    request(url, { agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    })
      .on('error', reject)
      .end();
  });
}

/** Opens a polling session; returns its sid. */
async function handshake(url: string): Promise<string> {
  const answer = await get(`${url}/socket.io/?EIO=4&transport=polling`);
  expect(answer.status).toBe(200);
  return (JSON.parse(answer.body.slice(1)) as { sid: string }).sid;
}

const pollUrl = (url: string, sid: string) => `${url}/socket.io/?EIO=4&transport=polling&sid=${sid}`;

describe('createRoutedEngine', () => {
  it('places new sessions here under a sid from the cluster, pinned before the client learns it', async () => {
    const { cluster, url } = await start();
    const mint = vi.spyOn(cluster, 'mintSessionId');
    const sid = await handshake(url);
    expect(mint).toHaveReturnedWith(sid);
    expect([...cluster.pinned]).toEqual([sid]);
    expect(routed?.sessionCount()).toBe(1);
  });

  it('stamps every response with the node id and leaves other requests to the app', async () => {
    const { url } = await start();
    const app = await get(`${url}/healthz`);
    expect(app.body).toBe('the app');
    expect(app.headers['x-node']).toBe('node1');
    const engine = await get(`${url}/socket.io/?EIO=4&transport=polling`);
    expect(engine.headers['x-node']).toBe('node1');
  });

  it('names the node in the answer to a WebSocket upgrade too, for the access log', async () => {
    const { url } = await start();
    const socket = new WebSocket(`${url.replace('http', 'ws')}/socket.io/?EIO=4&transport=websocket`);
    const [answer] = (await once(socket, 'upgrade')) as [IncomingMessage];
    socket.close();
    expect(answer.headers['x-node']).toBe('node1');
    expect(answer.headers['x-owner']).toBe('node1');
  });

  it("answers a pending long-poll when a draining peer asks for it (the cluster's flushPolls)", async () => {
    const { cluster, url } = await start();
    const sid = await handshake(url);
    const poll = get(pollUrl(url, sid));
    // Whether the poll waits already or arrives next, the no-op answers it at once.
    cluster.emit('flushPolls', [sid]);
    const answer = await poll;
    expect(answer.status).toBe(200);
    expect(answer.body).toBe('6');
  });

  it('drains: closes its sessions, unpins them, and asks callers to close their connections', async () => {
    const { cluster, url } = await start();
    await handshake(url);
    await expect(routed?.drain(1000)).resolves.toEqual({ relaysLeft: 0 });
    expect(routed?.sessionCount()).toBe(0);
    expect(cluster.pinned.size).toBe(0);
    expect(cluster.requestFlush).not.toHaveBeenCalled();
    const after = await get(`${url}/healthz`);
    expect(after.headers.connection).toBe('close');
  });

  it('closes the sessions a leaving peer asks to move, when that peer signed the request', async () => {
    const { cluster, url } = await start();
    const sid = await handshake(url);
    const poll = get(pollUrl(url, sid));
    const peer = new PeerAuth({ secret: 'the-cluster-secret-0123', self: 'node2' });
    const forged = { from: asNodeId('node2'), sids: [sid as SessionId], proof: {} };
    cluster.emit('moveSessions', forged);
    expect(routed?.sessionCount()).toBe(1);
    const proof = peer.sign('node1', { method: 'MOVE', url: sid });
    cluster.emit('moveSessions', { ...forged, proof });
    // A polling session hears the close packet (after buffered ones); a WebSocket gets its close frame.
    expect((await poll).body.split('\u001e').at(-1)).toBe('1');
    expect(routed?.sessionCount()).toBe(0);
  });

  it('closes every session and keeps serving (a node its peers dropped)', async () => {
    const { cluster, url } = await start();
    const waiting = await handshake(url);
    const poll = get(pollUrl(url, waiting));
    const idle = await handshake(url);
    await vi.waitFor(() => expect(routed?.sessionCount()).toBe(2));
    expect(routed?.closeAllSessions()).toBe(2);
    // The pending poll hears the close packet; the idle session is unknown at its next request.
    expect((await poll).body).toBe('1');
    expect((await get(pollUrl(url, idle))).status).toBe(400);
    expect(routed?.sessionCount()).toBe(0);
    expect(cluster.pinned.size).toBe(0);
    await handshake(url);
    expect(routed?.sessionCount()).toBe(1);
  });

  it('stops listening to the cluster on close, and may be closed twice', async () => {
    const { cluster } = await start();
    expect(cluster.listenerCount('change')).toBe(1);
    expect(cluster.listenerCount('flushPolls')).toBe(1);
    expect(cluster.listenerCount('moveSessions')).toBe(1);
    routed?.close();
    expect(cluster.listenerCount('change')).toBe(0);
    expect(cluster.listenerCount('flushPolls')).toBe(0);
    expect(cluster.listenerCount('moveSessions')).toBe(0);
  });
});
