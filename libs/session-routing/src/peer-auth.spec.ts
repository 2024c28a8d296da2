import { describe, expect, it } from 'vitest';
import { RecordingLog } from '@app/logging';
import { hasPeerHeaders, PEER_HEADERS, PeerAuth, type PeerAuthOptions } from './peer-auth.js';
import { stripPeerHeaders } from './peer-auth.js';

const SECRET = 'the-cluster-secret-0123';
const peer = (self: string, options: Partial<PeerAuthOptions> = {}) =>
  new PeerAuth({ secret: SECRET, self, ...options });
// `auth` receives; node3 signs for it.
const auth = peer('node1');
const node3 = peer('node3');
const request = {
  method: 'GET',
  url: '/socket.io/?EIO=4&transport=polling&sid=abc',
};

describe('PeerAuth', () => {
  it('accepts what it signed', () => {
    expect(auth.verify(node3.sign('node1', request), request)).toBe('node3');
  });

  it('rejects requests without the secret', () => {
    const forged = new PeerAuth({ secret: 'a-guess-at-the-secret!', self: 'node3' }).sign('node1', request);
    expect(auth.verify(forged, request)).toBeUndefined();
    expect(
      auth.verify(
        {
          [PEER_HEADERS.peer]: 'node3',
          [PEER_HEADERS.hop]: '1',
          [PEER_HEADERS.auth]: 'yes',
        },
        request,
      ),
    ).toBeUndefined();
    expect(auth.verify({}, request)).toBeUndefined();
  });

  it('binds the signature to the sender, the request and the hop count', () => {
    const headers = node3.sign('node1', request);
    expect(auth.verify({ ...headers, [PEER_HEADERS.peer]: 'node2' }, request)).toBeUndefined();
    expect(auth.verify(headers, { ...request, url: '/socket.io/?sid=other' })).toBeUndefined();
    expect(auth.verify(headers, { ...request, method: 'POST' })).toBeUndefined();
    expect(auth.verify({ ...headers, [PEER_HEADERS.hop]: '2' }, request)).toBeUndefined();
  });

  it('rejects stale signatures (replays)', () => {
    const headers = node3.sign('node1', request, Date.now() - 60_000);
    expect(auth.verify(headers, request)).toBeUndefined();
  });

  it('binds the signature to the receiving node: one made for node2 is refused by node1', () => {
    const forNode2 = node3.sign('node2', request);
    expect(auth.verify(forNode2, request)).toBeUndefined();
    expect(peer('node2').verify(forNode2, request)).toBe('node3');
  });

  it('binds the signature to its nonce', () => {
    const headers = node3.sign('node1', request);
    const [version, at, , mac] = headers[PEER_HEADERS.auth].split('.');
    const otherNonce = `${version}.${at}.${'A'.repeat(22)}.${mac}`;
    expect(auth.verify({ ...headers, [PEER_HEADERS.auth]: otherNonce }, request)).toBeUndefined();
  });

  it('signs every request afresh', () => {
    expect(node3.sign('node1', request, 1000)).not.toEqual(node3.sign('node1', request, 1000));
  });

  it('accepts a header set once: a replay within the time window is refused, and reported', () => {
    const log = new RecordingLog();
    const receiver = peer('node1', { log });
    const headers = node3.sign('node1', request);
    expect(receiver.verify(headers, request)).toBe('node3');
    expect(receiver.verify(headers, request)).toBeUndefined();
    expect(receiver.verify({ ...headers }, request, Date.now() + 10_000)).toBeUndefined();
    expect(log.at('warn')).toEqual([
      'refused a replayed peer signature (from node3, seen before); routed as a client request',
    ]);
  });

  it('refuses new signatures while its replay cache is full, and says so', () => {
    const log = new RecordingLog();
    const receiver = peer('node1', { log, replayCacheSize: 2, maxSkewMs: 1000 });
    const now = Date.now();
    expect(receiver.verify(node3.sign('node1', request, now), request, now)).toBe('node3');
    expect(receiver.verify(node3.sign('node1', request, now), request, now)).toBe('node3');
    expect(receiver.verify(node3.sign('node1', request, now), request, now)).toBeUndefined();
    expect(log.at('warn')).toEqual([
      'refused a peer signature from node3: the replay cache is full (2 signatures within 1000 ms); ' +
        'routed as a client request',
    ]);
    // Once the remembered ones are past their window, there is room again.
    const later = now + 1001;
    expect(receiver.verify(node3.sign('node1', request, later), request, later)).toBe('node3');
  });

  it('lets only verified signatures take room in the replay cache', () => {
    const receiver = peer('node1', { replayCacheSize: 1 });
    const forger = new PeerAuth({ secret: 'a-guess-at-the-secret!', self: 'node3' });
    for (let i = 0; i < 5; i++) receiver.verify(forger.sign('node1', request), request);
    expect(receiver.verify(node3.sign('node1', request), request)).toBe('node3');
  });

  it('strips peer headers', () => {
    const headers = { ...node3.sign('node1', request), host: 'x' };
    expect(hasPeerHeaders(headers)).toBe(true);
    stripPeerHeaders(headers);
    expect(headers).toEqual({ host: 'x' });
    expect(hasPeerHeaders(headers)).toBe(false);
  });
});
