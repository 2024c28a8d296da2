import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { describeEngineRequest, describeForLog } from './engine-request.js';

function req(method: string, url: string): IncomingMessage {
  return { method, url } as IncomingMessage;
}

describe('describeEngineRequest', () => {
  it.each([
    ['GET', '/socket.io/?EIO=4&transport=polling', false, 'handshake', undefined],
    ['GET', '/socket.io/?EIO=4&transport=websocket', true, 'handshake', undefined],
    ['GET', '/socket.io/?EIO=4&transport=polling&sid=abc', false, 'poll', 'abc'],
    ['POST', '/socket.io/?EIO=4&transport=polling&sid=abc', false, 'push', 'abc'],
    ['GET', '/socket.io/?EIO=4&transport=websocket&sid=abc', true, 'upgrade', 'abc'],
    ['PUT', '/socket.io/?EIO=4&transport=polling&sid=abc', false, 'other', 'abc'],
    ['POST', '/socket.io/?EIO=4&transport=polling', false, 'other', undefined],
  ])('%s %s (upgrade: %s) is a %s', (method, url, upgrade, kind, sid) => {
    const info = describeEngineRequest(req(method, url), upgrade);
    expect(info.kind).toBe(kind);
    expect(info.sid).toBe(sid);
  });

  it('names the kind and the sid in log lines', () => {
    expect(describeForLog({ kind: 'poll', sid: 'abc', transport: 'polling' })).toBe(
      'Received poll request for abc',
    );
    expect(describeForLog({ kind: 'handshake', transport: 'polling' })).toBe(
      'Received new connection request (polling)',
    );
    expect(describeForLog({ kind: 'upgrade', sid: 'abc' })).toBe(
      'Received WebSocket upgrade request for abc',
    );
  });
});
