import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { asNodeId } from '@app/cluster';
import { RecordingLog } from '@app/logging';
import { PeerAuth } from './peer-auth.js';
import { RelayAcceptor } from './relay-acceptor.js';
import { RelayConnection } from './relay-connection.js';
import { RelayForwarder } from './relay-forwarder.js';
import { RELAY_PATH, RELAY_PROTOCOL } from './relay-frames.js';

const SECRET = 'relay-spec-secret-of-enough-length';
const OWNER = asNodeId('owner');

interface Served {
  method: string;
  url: string;
  body: string;
  via: string;
  headers: IncomingMessage['headers'];
  remoteAddress?: string;
}

/**
 * An owner: an HTTP server whose relay upgrades go to a RelayAcceptor, and a
 * stand-in engine that answers a GET with its URL (or holds it, for `/held`)
 * and a POST with its body.
 */
async function startOwner(members = ['relayer']) {
  const served: Served[] = [];
  const held: Array<{ req: IncomingMessage; res: ServerResponse; closed: boolean }> = [];
  let upgrades = 0;
  const acceptor = new RelayAcceptor({
    peerAuth: new PeerAuth({ secret: SECRET, self: OWNER }),
    isMember: (id) => members.includes(id),
    log: new RecordingLog(),
    handler: (req, res, via) => {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (chunk: string) => (body += chunk));
      req.on('end', () => {
        const { method = '', url = '', headers } = req;
        served.push({ method, url, body, via, headers, remoteAddress: req.socket.remoteAddress });
        if (url.startsWith('/held')) {
          const entry = { req, res, closed: false };
          req.on('close', () => (entry.closed = true));
          held.push(entry);
          return;
        }
        res.setHeader('x-node', 'owner');
        res.writeHead(200, { 'content-type': 'text/plain', connection: 'keep-alive' });
        res.end(method === 'GET' ? `poll ${url}` : `ok ${body}`);
      });
    },
  });
  const server = createServer((_req, res) => res.writeHead(404).end());
  server.on('upgrade', (req: IncomingMessage, socket, head: Buffer) => {
    upgrades += 1;
    if (req.url === RELAY_PATH) acceptor.accept(req, socket, head);
    else socket.end('HTTP/1.1 400 Bad Request\r\n\r\n');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { server, url, served, held, acceptor, upgrades: () => upgrades };
}

/** A relaying node: every request it receives goes over `forwarder` to the owner. */
async function startRelayer(forwarder: RelayForwarder, ownerUrl: string) {
  const outcomes: string[] = [];
  const server = createServer((req, res) => {
    res.setHeader('x-node', 'relayer');
    void forwarder.forward(req, res, { id: OWNER, url: ownerUrl }).then((outcome) => {
      outcomes.push(outcome);
      if (outcome === 'unreachable' || outcome === 'not-spoken') res.writeHead(502).end(outcome);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, outcomes };
}

function send(url: string, method = 'GET', body?: string, headers: Record<string, string> = {}) {
  return new Promise<{ status: number; body: string; headers: IncomingMessage['headers'] }>(
    (resolve, reject) => {
      const req = request(url, { method, headers, agent: false }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text, headers: res.headers }));
      });
      req.on('error', reject);
      req.end(body);
    },
  );
}

const signer = () => new PeerAuth({ secret: SECRET, self: 'relayer' });
const servers: Server[] = [];
const closers: Array<() => void> = [];
afterEach(async () => {
  for (const close of closers.splice(0)) close();
  await Promise.all(
    servers.splice(0).map((s) => {
      s.closeAllConnections();
      return new Promise((resolve) => s.close(resolve));
    }),
  );
});

async function setUp(members?: string[]) {
  const owner = await startOwner(members);
  const forwarder = new RelayForwarder(signer(), { responseTimeoutMs: 2000 });
  const relayer = await startRelayer(forwarder, owner.url);
  servers.push(owner.server, relayer.server);
  closers.push(
    () => forwarder.close(),
    () => owner.acceptor.close(),
  );
  return { owner, forwarder, relayer };
}

describe('the peer relay', () => {
  it('carries polls and pushes over one connection, authenticated once, and names the owner', async () => {
    const { owner, relayer } = await setUp();
    const answers = await Promise.all([
      send(`${relayer.url}/socket.io/?sid=a`),
      send(`${relayer.url}/socket.io/?sid=b`, 'POST', '42["hi"]', { 'content-type': 'text/plain' }),
      send(`${relayer.url}/socket.io/?sid=c`),
    ]);
    expect(answers.map((a) => [a.status, a.body])).toEqual([
      [200, 'poll /socket.io/?sid=a'],
      [200, 'ok 42["hi"]'],
      [200, 'poll /socket.io/?sid=c'],
    ]);
    // The client learns the node it reached and the owner; hop-by-hop headers stay behind.
    expect(answers[0].headers['x-node']).toBe('relayer');
    expect(answers[0].headers['x-owner']).toBe('owner');
    expect(answers[0].headers['content-type']).toBe('text/plain');
    await send(`${relayer.url}/socket.io/?sid=d`);
    expect(owner.upgrades()).toBe(1);
    expect(owner.served.every((s) => s.via === 'relayer')).toBe(true);
    expect(owner.served.find((s) => s.method === 'POST')?.headers['content-type']).toBe('text/plain');
    expect(owner.served[0].remoteAddress).toBe('127.0.0.1');
    expect(relayer.outcomes).toEqual(['forwarded', 'forwarded', 'forwarded', 'forwarded']);
  });

  it('passes no peer header a client sent', async () => {
    const { owner, relayer } = await setUp();
    await send(`${relayer.url}/socket.io/?sid=a`, 'GET', undefined, {
      'x-ringchat-peer': 'evil',
      'x-ringchat-auth': 'v2.forged',
    });
    expect(owner.served[0].headers['x-ringchat-peer']).toBeUndefined();
    expect(owner.served[0].headers['x-ringchat-auth']).toBeUndefined();
  });

  it('refuses connections without a valid signature, replayed ones, and those of non-members', async () => {
    const owner = await startOwner(['relayer']);
    servers.push(owner.server);
    closers.push(() => owner.acceptor.close());
    const target = { id: OWNER, url: owner.url };
    const forged = new PeerAuth({ secret: 'not-the-cluster-secret-at-all', self: 'relayer' });
    expect(await RelayConnection.open(target, forged.sign(OWNER, { method: 'GET', url: RELAY_PATH }))).toBe(
      'refused',
    );
    const headers = signer().sign(OWNER, { method: 'GET', url: RELAY_PATH });
    const genuine = await RelayConnection.open(target, headers);
    expect(genuine).toBeInstanceOf(RelayConnection);
    if (genuine instanceof RelayConnection) genuine.close();
    expect(await RelayConnection.open(target, headers)).toBe('refused');
    const stranger = new PeerAuth({ secret: SECRET, self: 'stranger' });
    expect(await RelayConnection.open(target, stranger.sign(OWNER, { method: 'GET', url: RELAY_PATH }))).toBe(
      'refused',
    );
    expect(owner.served).toEqual([]);
  });

  it('answers 403 to a plain client asking for the relay protocol', async () => {
    const owner = await startOwner();
    servers.push(owner.server);
    const answer = await send(`${owner.url}${RELAY_PATH}`, 'GET', undefined, {
      connection: 'Upgrade',
      upgrade: RELAY_PROTOCOL,
    });
    expect(answer.status).toBe(403);
  });

  it('reports an owner that is not listening as unreachable, having written nothing', async () => {
    const owner = await startOwner();
    await new Promise((resolve) => owner.server.close(resolve));
    const forwarder = new RelayForwarder(signer());
    const relayer = await startRelayer(forwarder, owner.url);
    servers.push(relayer.server);
    closers.push(() => forwarder.close());
    const answer = await send(`${relayer.url}/socket.io/?sid=a`);
    expect([answer.status, answer.body]).toEqual([502, 'unreachable']);
  });

  it('says "not spoken" for an owner without the relay, and does not ask again for a while', async () => {
    const old = createServer((_req, res) => res.end('old'));
    old.on('upgrade', (_req, socket) => socket.end('HTTP/1.1 400 Bad Request\r\n\r\n'));
    await new Promise<void>((resolve) => old.listen(0, '127.0.0.1', resolve));
    servers.push(old);
    const url = `http://127.0.0.1:${(old.address() as AddressInfo).port}`;
    const forwarder = new RelayForwarder(signer());
    const relayer = await startRelayer(forwarder, url);
    servers.push(relayer.server);
    expect((await send(`${relayer.url}/socket.io/?sid=a`)).body).toBe('not-spoken');
    expect(forwarder.speaksTo({ id: OWNER, url })).toBe(false);
  });

  it('tells the owner when the client leaves a held poll', async () => {
    const { owner, relayer } = await setUp();
    const controller = new AbortController();
    const gone = fetch(`${relayer.url}/held?sid=a`, { signal: controller.signal }).catch(() => 'aborted');
    await waitUntil(() => owner.held.length === 1);
    controller.abort();
    expect(await gone).toBe('aborted');
    await waitUntil(() => owner.held[0].closed);
    await waitUntil(() => relayer.outcomes.length === 1);
    expect(relayer.outcomes).toEqual(['aborted']);
  });

  it("fails a stream the owner cannot answer any more: the connection's loss", async () => {
    const { owner, relayer } = await setUp();
    const poll = send(`${relayer.url}/held?sid=a`);
    await waitUntil(() => owner.held.length === 1);
    owner.acceptor.close();
    expect((await poll).body).toBe('unreachable');
    // The next request opens a new connection.
    expect((await send(`${relayer.url}/socket.io/?sid=b`)).status).toBe(200);
    expect(owner.upgrades()).toBe(2);
  });

  it('answers the running streams of a peer that left, then cuts what is still open after the grace', async () => {
    const { owner, relayer } = await setUp();
    const flushed = send(`${relayer.url}/held?sid=a`);
    const stuck = send(`${relayer.url}/held?sid=b`);
    await waitUntil(() => owner.held.length === 2);
    // The relayer left the ring (gracefully): its flush may come after the owner sees it go.
    owner.acceptor.forgetPeer('relayer', 300);
    owner.held[0].res.end('flushed');
    expect(await flushed).toMatchObject({ status: 200, body: 'flushed' });
    // A peer that never answers (cut off) loses the connection once the grace is over.
    expect((await stuck).body).toBe('unreachable');
    expect(owner.held[1].closed).toBe(true);
  });

  it('takes new streams of a peer that left during the grace, on its connection and on a new one, then refuses it', async () => {
    const members = ['relayer'];
    const { owner, relayer, forwarder } = await setUp(members);
    expect((await send(`${relayer.url}/socket.io/?sid=a`)).status).toBe(200);
    // The relayer left the ring, but its clients' requests still reach it for a moment.
    members.length = 0;
    owner.acceptor.forgetPeer('relayer', 300);
    const forgotten = Date.now();
    expect((await send(`${relayer.url}/socket.io/?sid=b`)).body).toBe('poll /socket.io/?sid=b');
    forwarder.close();
    const again = new RelayForwarder(signer(), { responseTimeoutMs: 2000 });
    closers.push(() => again.close());
    const late = await startRelayer(again, owner.url);
    servers.push(late.server);
    expect((await send(`${late.url}/socket.io/?sid=c`)).body).toBe('poll /socket.io/?sid=c');
    expect(owner.upgrades()).toBe(2);
    // Accepted until the grace ends; then its connection is cut and a new one refused.
    let answer = '';
    const deadline = Date.now() + 2000;
    while (answer !== 'not-spoken' && Date.now() < deadline) {
      answer = (await send(`${late.url}/socket.io/?sid=d`)).body;
    }
    expect(answer).toBe('not-spoken');
    expect(Date.now() - forgotten).toBeGreaterThanOrEqual(300);
  });

  it('drains: running streams are answered, then the connection ends and new ones are refused', async () => {
    const { owner, relayer, forwarder } = await setUp();
    const poll = send(`${relayer.url}/held?sid=a`);
    await waitUntil(() => owner.held.length === 1);
    owner.acceptor.startDraining();
    owner.held[0].res.end('flushed');
    expect((await poll).body).toBe('flushed');
    await waitUntil(() => !forwarder.speaksTo({ id: OWNER, url: owner.url }) || owner.upgrades() === 1);
    // A leaving owner refuses a new connection: the relayer falls back (HTTP in the router).
    expect((await send(`${relayer.url}/socket.io/?sid=b`)).body).toBe('not-spoken');
  });
});

async function waitUntil(condition: () => boolean, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
