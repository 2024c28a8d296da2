import {
  createServer,
  request,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type RequestListener,
  type Server,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { asNodeId } from '@app/cluster';
import type { ForwardOutcome, ForwardTarget } from './forward-target.js';
import { HttpForwarder, type HttpForwarderOptions } from './http-forwarder.js';
import { PEER_HEADERS } from './peer-auth.js';

// Two in-process servers on 127.0.0.1: the receiver (whose handler forwards) and
// the owner. No other process, nothing beyond the loopback interface.

const SIGNED = {
  [PEER_HEADERS.peer]: 'node1',
  [PEER_HEADERS.hop]: '1',
  [PEER_HEADERS.auth]: 'v1.1.signed-by-the-router',
};
const POLL_PATH = '/socket.io/?EIO=4&transport=polling&sid=AAAAAAAAAAAAAAAAAAAA';

const servers: Server[] = [];
let forwarder: HttpForwarder;

afterEach(async () => {
  forwarder.close();
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

async function listen(handler: RequestListener): Promise<{ server: Server; url: string }> {
  const server = createServer(handler);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

/** A URL where nothing listens: a port that was just free. */
async function closedPortUrl(): Promise<string> {
  const { server, url } = await listen(() => undefined);
  servers.splice(servers.indexOf(server), 1);
  await new Promise((resolve) => server.close(resolve));
  return url;
}

function owner(url: string) {
  const target: ForwardTarget = { id: asNodeId('node2'), url };
  return target;
}

/** A receiver that forwards every request to `target`; `outcomes` gets each result. */
async function receiver(target: ForwardTarget, options: HttpForwarderOptions = {}) {
  forwarder = new HttpForwarder(options);
  const outcomes: ForwardOutcome[] = [];
  const { url } = await listen((req, res) => {
    void forwarder.forward(req, res, target, SIGNED).then((outcome) => {
      outcomes.push(outcome);
      // As the router does: an owner that never answered gets a stand-in answer.
      if (outcome === 'unreachable') res.writeHead(503).end('owner unreachable');
    });
  });
  return { url, outcomes };
}

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** One request from a client (no keep-alive); resolves with the answer, or rejects if cut. */
function send(
  url: string,
  options: { method?: string; path?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${url}${options.path ?? POLL_PATH}`,
      { method: options.method ?? 'GET', headers: options.headers, agent: false },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

/** What an owner saw of a request. */
function describeRequest(req: IncomingMessage, body: string): string {
  return JSON.stringify({ method: req.method, url: req.url, headers: req.headers, body });
}

function echoOwner(): RequestListener {
  return (req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json', 'x-node': 'node2', 'x-extra': 'kept' });
      res.end(describeRequest(req, body));
    });
  };
}

describe('HttpForwarder', () => {
  it('passes method, URL, body and the answer through unchanged, and names the owner', async () => {
    const { url: ownerUrl } = await listen(echoOwner());
    const { url, outcomes } = await receiver(owner(ownerUrl));
    const answer = await send(url, { method: 'POST', body: '4hello' });
    expect(answer.status).toBe(200);
    expect(answer.headers['x-extra']).toBe('kept');
    expect(answer.headers['x-owner']).toBe('node2');
    expect(answer.headers['x-node']).toBeUndefined();
    const seen = JSON.parse(answer.body) as { method: string; url: string; body: string };
    expect(seen).toMatchObject({ method: 'POST', url: POLL_PATH, body: '4hello' });
    expect(outcomes).toEqual(['forwarded']);
  });

  it('sends the peer headers it was given, never those a client sent', async () => {
    const { url: ownerUrl } = await listen(echoOwner());
    const { url } = await receiver(owner(ownerUrl));
    const forged = {
      [PEER_HEADERS.peer]: 'evil',
      [PEER_HEADERS.hop]: '0',
      [PEER_HEADERS.auth]: 'v1.0.forged',
    };
    const answer = await send(url, { headers: { ...forged, te: 'trailers', 'x-client': 'kept' } });
    const seen = JSON.parse(answer.body) as { headers: IncomingHttpHeaders };
    expect(seen.headers).toMatchObject({ ...SIGNED, 'x-client': 'kept' });
    // Hop-by-hop headers describe the client's connection, not the owner's.
    expect(seen.headers.te).toBeUndefined();
  });

  it("connects to the target's URL only, whatever host the request names", async () => {
    const { url: ownerUrl } = await listen(echoOwner());
    const { url } = await receiver(owner(ownerUrl));
    const answer = await send(url, { headers: { host: 'elsewhere.invalid:1' } });
    expect(answer.status).toBe(200);
    expect(answer.headers['x-owner']).toBe('node2');
  });

  it('reports an owner that refuses the connection as unreachable, having written nothing', async () => {
    const { url, outcomes } = await receiver(owner(await closedPortUrl()));
    const started = Date.now();
    const answer = await send(url);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(answer.status).toBe(503);
    expect(outcomes).toEqual(['unreachable']);
  });

  it('gives up on an owner that accepts but does not answer in time', async () => {
    let ownerSawClose = false;
    const { url: ownerUrl } = await listen((req) => req.on('close', () => (ownerSawClose = true)));
    const { url, outcomes } = await receiver(owner(ownerUrl), { responseTimeoutMs: 100 });
    const started = Date.now();
    const answer = await send(url);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(answer.status).toBe(503);
    expect(outcomes).toEqual(['unreachable']);
    await expect.poll(() => ownerSawClose).toBe(true);
    expect(forwarder.inFlight.count).toBe(0);
  });

  it('cuts the client off when the owner dies mid-answer', async () => {
    const { url: ownerUrl } = await listen((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('partial');
      setTimeout(() => res.destroy(), 20);
    });
    const { url, outcomes } = await receiver(owner(ownerUrl));
    await expect(send(url)).rejects.toThrow();
    await expect.poll(() => outcomes).toEqual(['aborted']);
  });

  it('keeps connections to an owner alive, and drops them when told the owner left', async () => {
    const { server, url: ownerUrl } = await listen(echoOwner());
    let connections = 0;
    server.on('connection', () => (connections += 1));
    const { url } = await receiver(owner(ownerUrl));
    await send(url);
    await send(url);
    expect(connections).toBe(1);
    forwarder.forget(ownerUrl);
    await send(url);
    expect(connections).toBe(2);
  });
});
