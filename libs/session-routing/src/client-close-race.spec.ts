import { EventEmitter } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { describe, expect, it } from 'vitest';
import type { Log } from '@app/logging';
import { ClientCloseRace, type WatchedEngine } from './client-close-race.js';

// engine.io, its sockets and HTTP requests as fakes: only what ClientCloseRace touches.

type Middleware = (req: IncomingMessage, res: ServerResponse, next: () => void) => void;

class FakeResponse extends EventEmitter {
  status?: number;
  headers?: Record<string, unknown>;
  body?: string;
  writeHead(status: number, headers: Record<string, unknown>): this {
    this.status = status;
    this.headers = headers;
    return this;
  }
  end(body: string): this {
    this.body = body;
    return this;
  }
}

function setUp() {
  const engine = new EventEmitter();
  const middlewares: Middleware[] = [];
  let now = 0;
  const logged: string[] = [];
  const log = { isDebugEnabled: () => true, debug: (line: string) => void logged.push(line) } as Log;
  new ClientCloseRace({ log, now: () => now }).install(
    Object.assign(engine, { use: (fn: Middleware) => middlewares.push(fn) }) as unknown as WatchedEngine,
  );
  const open = (id: string, protocol = 4, transport = 'polling') => {
    // engine.io's polling transport answers a waiting poll in onClose, then emits 'close'.
    const socket = Object.assign(new EventEmitter(), {
      id,
      protocol,
      transport: { name: transport, writable: false, onClose: () => {} },
    });
    engine.emit('connection', socket);
    return socket;
  };
  /** The client's close packet ends the polling transport, with a poll waiting or not. */
  const clientCloses = (socket: ReturnType<typeof open>, pollWaiting = false) => {
    socket.transport.writable = pollWaiting;
    socket.transport.onClose();
    socket.emit('close', 'transport close');
  };
  /** Runs a request through the middleware: 'engine.io' when passed on, else what was answered. */
  const request = (url: string, method = 'GET') => {
    const res = new FakeResponse();
    let passed = false;
    for (const middleware of middlewares)
      middleware({ method, url } as IncomingMessage, res as unknown as ServerResponse, () => (passed = true));
    return { res, answer: passed ? 'engine.io' : [res.status, res.body, res.headers?.['cache-control']] };
  };
  const poll = (sid: string, eio = 4) => request(`/socket.io/?EIO=${eio}&transport=polling&sid=${sid}`);
  return { open, clientCloses, request, poll, logged, advance: (ms: number) => (now += ms) };
}

const SID = 'AAAAAAAAAAAAAAAAAAAA';

describe('ClientCloseRace', () => {
  it('answers the poll that comes after its client closed the session with a no-op, once', () => {
    const { open, clientCloses, poll, logged } = setUp();
    clientCloses(open(SID));
    expect(poll(SID).answer).toEqual([200, '6', 'no-store']);
    expect(poll(SID).answer).toBe('engine.io');
    expect(logged).toEqual([`poll for ${SID} arrived after its client closed it: answered with a no-op`]);
  });

  it('encodes the no-op in the session protocol: EIO3 gets 1:6', () => {
    const { open, clientCloses, poll } = setUp();
    clientCloses(open(SID, 3));
    expect(poll(SID, 3).answer).toEqual([200, '1:6', 'no-store']);
  });

  it('leaves engine.io to answer when a poll was waiting at the close (it sends the no-op)', () => {
    const { open, clientCloses, poll } = setUp();
    const socket = open(SID);
    expect(poll(SID).answer).toBe('engine.io');
    clientCloses(socket, true);
    expect(poll(SID).answer).toBe('engine.io');
  });

  it('remembers nothing for closes the client did not ask for, nor for WebSocket sessions', () => {
    const { open, poll } = setUp();
    for (const [i, reason] of ['ping timeout', 'forced close', 'transport error'].entries()) {
      open(`${SID.slice(1)}${i}`).emit('close', reason);
      expect(poll(`${SID.slice(1)}${i}`).answer).toBe('engine.io');
    }
    open(SID, 4, 'websocket').emit('close', 'transport close');
    expect(poll(SID).answer).toBe('engine.io');
  });

  it('forgets the session after its window', () => {
    const { open, clientCloses, poll, advance } = setUp();
    clientCloses(open(SID));
    advance(2000);
    expect(poll(SID).answer).toBe('engine.io');
  });

  it('passes on pushes, upgrades and JSONP polls of a closed session', () => {
    const { open, clientCloses, request } = setUp();
    clientCloses(open(SID));
    expect(request(`/socket.io/?EIO=4&transport=polling&sid=${SID}`, 'POST').answer).toBe('engine.io');
    expect(request(`/socket.io/?EIO=4&transport=websocket&sid=${SID}`).answer).toBe('engine.io');
    expect(request(`/socket.io/?EIO=3&transport=polling&sid=${SID}&j=0`).answer).toBe('engine.io');
  });
});
