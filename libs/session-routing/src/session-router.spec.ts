import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import { PassThrough, type Duplex } from 'node:stream';
import { describe, expect, it, vi } from 'vitest';
import { asNodeId, type NodeId, type SessionId } from '@app/cluster';
import type { Log } from '@app/logging';
import type { ForwardOutcome, ForwardTarget } from './forward-target.js';
import type { RelayOutcome } from './relay-forwarder.js';
import { PEER_HEADERS, PeerAuth } from './peer-auth.js';
import { SessionRouter, type RoutingCluster } from './session-router.js';

const node1 = asNodeId('node1');
const node2 = asNodeId('node2');
const node3 = asNodeId('node3');
const SID = 'AAAAAAAAAAAAAAAAAAAA' as SessionId;
const SESSION_UNKNOWN = JSON.stringify({ code: 1, message: 'Session ID unknown' });
const SECRET = 'the-cluster-secret-0123';
/** node1's, the router's own. */
const peerAuth = new PeerAuth({ secret: SECRET, self: 'node1' });
const peerAuthOf = (self: string) => new PeerAuth({ secret: SECRET, self });

/** node1's picture of a three-node cluster; every field a test may change. */
function fakeCluster(overrides: Partial<RoutingCluster> = {}) {
  const urls = new Map<NodeId, string>([
    [node1, 'http://127.0.0.1:9001'],
    [node2, 'http://127.0.0.1:9002'],
    [node3, 'http://127.0.0.1:9003'],
  ]);
  const pins = new Map<SessionId, NodeId>();
  const cluster = {
    self: node1,
    isLeaving: false,
    ring: { ownerOf: (_sid: SessionId) => node1 },
    pins: { lookup: (sid: SessionId) => pins.get(sid) },
    urlOf: (node: NodeId) => urls.get(node),
    anyPeer: (): NodeId | undefined => node2,
    suspect: vi.fn((_node: NodeId) => undefined),
    catchUp: vi.fn(() => Promise.resolve()),
    ...overrides,
  };
  return { cluster, pins, urls };
}

/** Stands in for both forwarders: records each target and ends each forward as told. */
function fakeForwarder(outcome: ForwardOutcome = 'forwarded') {
  const targets: ForwardTarget[] = [];
  const peerHeaders: Array<Record<string, string>> = [];
  let finish: (value: ForwardOutcome) => void = () => undefined;
  const fake = {
    targets,
    peerHeaders,
    /** When set, forwards stay pending until `finish` is called. */
    hold: false,
    finish: (value: ForwardOutcome) => finish(value),
    record(target: ForwardTarget, headers: Record<string, string>): Promise<ForwardOutcome> {
      targets.push(target);
      peerHeaders.push(headers);
      if (!fake.hold) return Promise.resolve(outcome);
      return new Promise<ForwardOutcome>((resolve) => (finish = resolve));
    },
  };
  return fake;
}

function recordingLog(): Log & { lines: string[] } {
  const lines: string[] = [];
  const record = (message: string): void => void lines.push(message);
  return { lines, error: record, warn: record, info: record, debug: record, isDebugEnabled: () => true };
}

/** A relay that owners speak (or not), ending each relayed request as told. */
function fakeRelay(speaks: boolean, outcome: RelayOutcome = 'forwarded') {
  const targets: ForwardTarget[] = [];
  return {
    targets,
    speaksTo: () => speaks,
    forward: (_req: IncomingMessage, _res: ServerResponse, target: ForwardTarget) => {
      targets.push(target);
      return Promise.resolve(outcome);
    },
  };
}

function setup(
  overrides: Partial<RoutingCluster> = {},
  outcome?: ForwardOutcome,
  relay = fakeRelay(false, 'not-spoken'),
) {
  const { cluster, pins, urls } = fakeCluster(overrides);
  const engine = {
    requests: [] as IncomingMessage[],
    upgrades: [] as IncomingMessage[],
    handleRequest(req: IncomingMessage) {
      this.requests.push(req);
    },
    handleUpgrade(req: IncomingMessage) {
      this.upgrades.push(req);
    },
  };
  const http = fakeForwarder(outcome);
  const upgrades = fakeForwarder(outcome);
  const log = recordingLog();
  const engineLog = recordingLog();
  const router = new SessionRouter({
    cluster,
    engine,
    peerAuth,
    // Unless a spec says otherwise, owners here do not speak the relay: HTTP forwarding.
    relay,
    http: { forward: (_req, _res, target, headers) => http.record(target, headers) },
    upgrades: { forward: (_req, _socket, _head, target, headers) => upgrades.record(target, headers) },
    log,
    engineLog,
  });
  /** Routes one request; returns its response. */
  const route = (req: IncomingMessage): ServerResponse => {
    const res = new ServerResponse(req);
    router.route(req, res);
    return res;
  };
  return { router, route, cluster, pins, urls, engine, http, upgrades, relay, log, engineLog };
}

type Setup = ReturnType<typeof setup>;

function expectServedHere({ engine, http }: Setup, req: IncomingMessage): void {
  expect(engine.requests).toEqual([req]);
  expect(http.targets).toEqual([]);
}

function expectForwardedTo({ engine, http, urls }: Setup, node: NodeId): void {
  expect(engine.requests).toEqual([]);
  expect(http.targets).toEqual([{ id: node, url: urls.get(node) }]);
}

function request(method: string, url: string, headers: Record<string, string> = {}): IncomingMessage {
  const req = new IncomingMessage(new Socket());
  req.method = method;
  req.url = url;
  req.headers = { host: 'localhost:9000', ...headers };
  return req;
}

const poll = (sid: string = SID) => request('GET', `/socket.io/?EIO=4&transport=polling&sid=${sid}`);
const handshake = () => request('GET', '/socket.io/?EIO=4&transport=polling');
const upgrade = (sid: string = SID) => request('GET', `/socket.io/?EIO=4&transport=websocket&sid=${sid}`);

/** Lets the router's forward promise settle. */
const settled = () => new Promise((resolve) => setImmediate(resolve));

describe('SessionRouter', () => {
  it('serves a session it owns locally and names itself the owner', () => {
    const routing = setup();
    const req = poll();
    const res = routing.route(req);
    expectServedHere(routing, req);
    expect(res.getHeader('x-owner')).toBe('node1');
  });

  it("forwards a session another node owns to that node's advertised URL, signed", () => {
    const routing = setup({ ring: { ownerOf: () => node3 } });
    const req = routing.route(poll()).req;
    expectForwardedTo(routing, node3);
    const atOwner = peerAuthOf('node3');
    expect(atOwner.verify(routing.http.peerHeaders[0], { method: 'GET', url: req.url ?? '' })).toBe('node1');
    expect(routing.cluster.suspect).not.toHaveBeenCalled();
  });

  it('asks the pins before the ring', () => {
    const ringOwner = vi.fn(() => node3);
    const routing = setup({ ring: { ownerOf: ringOwner } });
    routing.pins.set(SID, node2);
    routing.route(poll());
    expectForwardedTo(routing, node2);
    expect(ringOwner).not.toHaveBeenCalled();
  });

  it('serves a session pinned here locally, whatever the ring says', () => {
    const routing = setup({ ring: { ownerOf: () => node3 } });
    routing.pins.set(SID, node1);
    const req = poll();
    routing.route(req);
    expectServedHere(routing, req);
  });

  describe("the sid's node prefix (the front door's hint)", () => {
    const PREFIXED = `node1.${SID}`;

    it('routes a prefixed sid by its owner, not by the node its prefix names', () => {
      const owners: string[] = [];
      const routing = setup({ ring: { ownerOf: (sid) => (owners.push(sid), node3) } });
      routing.route(poll(PREFIXED));
      expectForwardedTo(routing, node3);
      expect(owners).toEqual([PREFIXED]);
    });

    it('serves here a sid whose prefix names another node when this node owns it', () => {
      const routing = setup();
      const req = poll(`node2.${SID}`);
      routing.route(req);
      expectServedHere(routing, req);
    });

    it('forwards a prefixed WebSocket upgrade to the owner', () => {
      const { router, engine, upgrades, urls } = setup({ ring: { ownerOf: () => node2 } });
      router.routeUpgrade(upgrade(PREFIXED), new PassThrough(), Buffer.alloc(0));
      expect(engine.upgrades).toEqual([]);
      expect(upgrades.targets).toEqual([{ id: node2, url: urls.get(node2) }]);
    });
  });

  describe('hop limit', () => {
    const signedBy = (peer: string, transport: string) => {
      const url = `/socket.io/?EIO=4&transport=${transport}&sid=${SID}`;
      return request('GET', url, peerAuthOf(peer).sign('node1', { method: 'GET', url }));
    };

    it('serves a request a peer forwarded locally, even for a session owned elsewhere', () => {
      const routing = setup({ ring: { ownerOf: () => node3 } });
      const req = signedBy('node2', 'polling');
      routing.route(req);
      expectServedHere(routing, req);
      expect(routing.engineLog.lines).toEqual([`Received poll request for ${SID} (via node2)`]);
    });

    it('serves a forwarded upgrade locally', () => {
      const { router, engine, upgrades } = setup({ ring: { ownerOf: () => node3 } });
      const req = signedBy('node2', 'websocket');
      router.routeUpgrade(req, new PassThrough(), Buffer.alloc(0));
      expect(engine.upgrades).toEqual([req]);
      expect(upgrades.targets).toEqual([]);
    });

    it('strips forged peer headers and routes the request like any other', () => {
      const routing = setup({ ring: { ownerOf: () => node3 } });
      const req = poll();
      Object.assign(req.headers, {
        [PEER_HEADERS.peer]: 'node2',
        [PEER_HEADERS.hop]: '1',
        [PEER_HEADERS.auth]: `v1.${Date.now()}.${'0'.repeat(64)}`,
      });
      routing.route(req);
      expectForwardedTo(routing, node3);
      expect(Object.keys(req.headers)).toEqual(['host']);
    });

    it('routes a replayed peer request like a client request: headers stripped, forwarded to the owner', () => {
      const routing = setup({ ring: { ownerOf: () => node3 } });
      const first = signedBy('node2', 'polling');
      const replayed = request('GET', first.url ?? '', { ...first.headers } as Record<string, string>);
      routing.route(first);
      expectServedHere(routing, first);
      routing.route(replayed);
      expect(routing.engine.requests).toEqual([first]);
      expect(routing.http.targets).toEqual([{ id: node3, url: routing.urls.get(node3) }]);
      expect(Object.keys(replayed.headers)).toEqual(['host']);
    });

    it('refuses a request signed for another node', () => {
      const routing = setup({ ring: { ownerOf: () => node3 } });
      const url = `/socket.io/?EIO=4&transport=polling&sid=${SID}`;
      const req = request('GET', url, peerAuthOf('node2').sign('node3', { method: 'GET', url }));
      routing.route(req);
      expectForwardedTo(routing, node3);
    });

    it('signs each forward afresh, for its owner', () => {
      const routing = setup({ ring: { ownerOf: () => node3 } });
      routing.route(poll());
      routing.route(poll());
      const [first, second] = routing.http.peerHeaders;
      expect(first[PEER_HEADERS.auth]).not.toBe(second[PEER_HEADERS.auth]);
      const line = { method: 'GET', url: poll().url ?? '' };
      const atOwner = peerAuthOf('node3');
      expect([atOwner.verify(first, line), atOwner.verify(second, line)]).toEqual(['node1', 'node1']);
      expect(peerAuthOf('node2').verify(first, line)).toBeUndefined();
    });

    it('strips peer headers from requests it serves, so engine.io never sees them', () => {
      const routing = setup();
      const req = poll();
      req.headers[PEER_HEADERS.peer] = 'node2';
      routing.route(req);
      expectServedHere(routing, req);
      expect(req.headers[PEER_HEADERS.peer]).toBeUndefined();
    });
  });

  describe('handshakes', () => {
    it('places a new session here, whatever the ring would say', () => {
      const routing = setup({ ring: { ownerOf: () => node3 } });
      const req = handshake();
      const res = routing.route(req);
      expectServedHere(routing, req);
      expect(res.getHeader('x-owner')).toBeUndefined();
    });

    it('hands a handshake to a peer while this node is leaving', () => {
      const routing = setup({ isLeaving: true });
      routing.route(handshake());
      expectForwardedTo(routing, node2);
    });

    it('serves a handshake itself while leaving when no peer is left', () => {
      const routing = setup({ isLeaving: true, anyPeer: () => undefined });
      const req = handshake();
      routing.route(req);
      expectServedHere(routing, req);
    });
  });

  describe('owners that cannot take the request', () => {
    it('lets engine.io answer for an owner that is no member any more', () => {
      const routing = setup({ ring: { ownerOf: () => node3 } });
      routing.urls.delete(node3);
      const req = poll();
      routing.route(req);
      expectServedHere(routing, req);
    });

    describe('a pinned owner this node has not seen join yet', () => {
      const node4 = asNodeId('node4');
      const node4Url = 'http://127.0.0.1:9004';
      /** node1 holds a pin naming node4, and learns of node4 when it reads the membership. */
      const pinnedToANodeJustJoined = () => {
        const routing = setup();
        routing.pins.set(SID, node4);
        vi.mocked(routing.cluster.catchUp).mockImplementation(() => {
          routing.urls.set(node4, node4Url);
          return Promise.resolve();
        });
        return routing;
      };

      it('reads the membership first, then forwards to it: the live session is not answered "unknown"', async () => {
        const routing = pinnedToANodeJustJoined();
        routing.route(poll());
        expect(routing.engine.requests).toEqual([]);
        await settled();
        expect(routing.cluster.catchUp).toHaveBeenCalledOnce();
        expectForwardedTo(routing, node4);
      });

      it('forwards its upgrade the same way', async () => {
        const routing = pinnedToANodeJustJoined();
        routing.router.routeUpgrade(upgrade(), new PassThrough(), Buffer.alloc(0));
        await settled();
        expect(routing.engine.upgrades).toEqual([]);
        expect(routing.upgrades.targets).toEqual([{ id: node4, url: node4Url }]);
      });

      it('lets engine.io answer when the membership read does not know it either (or fails)', async () => {
        for (const catchUp of [() => Promise.resolve(), () => Promise.reject(new Error('redis away'))]) {
          const routing = setup({ catchUp: vi.fn(catchUp) });
          routing.pins.set(SID, node4);
          const req = poll();
          routing.route(req);
          await settled();
          expectServedHere(routing, req);
        }
      });

      it('is not asked for owners it knows, nor for its own sessions', () => {
        const routing = setup();
        routing.pins.set(SID, node2);
        routing.route(poll());
        routing.pins.set(SID, node1);
        routing.route(poll());
        expect(routing.cluster.catchUp).not.toHaveBeenCalled();
      });
    });

    it('lets engine.io answer a malformed sid without asking the ring', () => {
      const ringOwner = vi.fn(() => node3);
      const routing = setup({ ring: { ownerOf: ringOwner } });
      const req = poll('not-a-sid');
      routing.route(req);
      expectServedHere(routing, req);
      expect(ringOwner).not.toHaveBeenCalled();
    });

    it('answers engine.io\'s "Session ID unknown" when the owner is unreachable, and suspects it', async () => {
      const { router, cluster, log } = setup({ ring: { ownerOf: () => node3 } }, 'unreachable');
      const req = poll();
      const res = new ServerResponse(req);
      const writeHead = vi.spyOn(res, 'writeHead');
      const end = vi.spyOn(res, 'end');
      router.route(req, res);
      await settled();
      expect(writeHead).toHaveBeenCalledWith(
        400,
        expect.objectContaining({ 'content-type': 'application/json' }),
      );
      expect(end).toHaveBeenCalledWith(SESSION_UNKNOWN);
      expect(cluster.suspect).toHaveBeenCalledWith(node3);
      expect(log.lines.at(-1)).toMatch(/poll request for \S+ -> node3 failed: owner unreachable/);
    });

    it('writes the same answer on an upgrade socket when the owner is unreachable', async () => {
      const { router, cluster } = setup({ ring: { ownerOf: () => node3 } }, 'unreachable');
      const socket: Duplex = new PassThrough();
      router.routeUpgrade(upgrade(), socket, Buffer.alloc(0));
      await settled();
      const answer = String(socket.read());
      expect(answer.startsWith('HTTP/1.1 400 Bad Request\r\n')).toBe(true);
      expect(answer.endsWith(`\r\n\r\n${SESSION_UNKNOWN}`)).toBe(true);
      expect(cluster.suspect).toHaveBeenCalledWith(node3);
    });

    it('leaves an aborted forward alone: the client is gone', async () => {
      const { router, cluster } = setup({ ring: { ownerOf: () => node3 } }, 'aborted');
      const req = poll();
      const res = new ServerResponse(req);
      const end = vi.spyOn(res, 'end');
      router.route(req, res);
      await settled();
      expect(end).not.toHaveBeenCalled();
      expect(cluster.suspect).not.toHaveBeenCalled();
    });
  });

  it('keeps track of the long-polls it relays, by owner, until they end', async () => {
    const routing = setup({ ring: { ownerOf: () => node3 } });
    routing.http.hold = true;
    routing.route(poll());
    expect(routing.router.relayedPollsByOwner()).toEqual(new Map([[node3, [SID]]]));
    routing.http.finish('forwarded');
    await settled();
    expect(routing.router.relayedPollsByOwner()).toEqual(new Map());
  });

  describe('over the peer relay', () => {
    const ownedByNode3 = { ring: { ownerOf: () => node3 } };

    it('relays a poll to an owner that speaks the relay, signing nothing for it', async () => {
      const routing = setup(ownedByNode3, undefined, fakeRelay(true));
      routing.route(poll());
      await settled();
      expect(routing.relay.targets).toEqual([{ id: node3, url: routing.urls.get(node3) }]);
      expect(routing.http.targets).toEqual([]);
      expect(routing.engine.requests).toEqual([]);
    });

    it('forwards as a signed HTTP request when the owner turns out not to speak it', async () => {
      const routing = setup(ownedByNode3, undefined, fakeRelay(true, 'not-spoken'));
      const req = routing.route(poll()).req;
      await settled();
      expectForwardedTo(routing, node3);
      expect(
        peerAuthOf('node3').verify(routing.http.peerHeaders[0], { method: 'GET', url: req.url ?? '' }),
      ).toBe('node1');
    });

    it('answers "Session ID unknown" and suspects an owner the relay cannot reach', async () => {
      const routing = setup(ownedByNode3, undefined, fakeRelay(true, 'unreachable'));
      const res = routing.route(poll());
      await settled();
      expect(res.statusCode).toBe(400);
      expect(routing.cluster.suspect).toHaveBeenCalledWith(node3);
      expect(routing.http.targets).toEqual([]);
    });

    it('serves a relayed request here whoever owns its session (hop limit 1), naming the peer', () => {
      const routing = setup(ownedByNode3, undefined, fakeRelay(true));
      const req = poll();
      const res = new ServerResponse(req);
      routing.router.serveRelayed(req, res, 'node2');
      expectServedHere(routing, req);
      expect(routing.relay.targets).toEqual([]);
      expect(res.getHeader('x-owner')).toBe('node1');
      expect(routing.engineLog.lines.at(-1)).toMatch(/^Received poll request for \S+ \(via node2\)$/);
    });
  });
});
