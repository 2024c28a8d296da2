import { describe, expect, it } from 'vitest';
import { hasPeerHeaders, PEER_HEADERS, PeerAuth, stripPeerHeaders } from './peer-auth.js';

const auth = new PeerAuth({ secret: 'the-cluster-secret-0123' });
const request = {
  method: 'GET',
  url: '/socket.io/?EIO=4&transport=polling&sid=abc',
};

describe('PeerAuth', () => {
  it('accepts what it signed', () => {
    expect(auth.verify(auth.sign('node3', request), request)).toBe('node3');
  });

  it('rejects requests without the secret', () => {
    const forged = new PeerAuth({ secret: 'a-guess-at-the-secret!' }).sign('node3', request);
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
    const headers = auth.sign('node3', request);
    expect(auth.verify({ ...headers, [PEER_HEADERS.peer]: 'node2' }, request)).toBeUndefined();
    expect(auth.verify(headers, { ...request, url: '/socket.io/?sid=other' })).toBeUndefined();
    expect(auth.verify(headers, { ...request, method: 'POST' })).toBeUndefined();
    expect(auth.verify({ ...headers, [PEER_HEADERS.hop]: '2' }, request)).toBeUndefined();
  });

  it('rejects stale signatures (replays)', () => {
    const headers = auth.sign('node3', request, Date.now() - 60_000);
    expect(auth.verify(headers, request)).toBeUndefined();
  });

  it('strips peer headers', () => {
    const headers = { ...auth.sign('node3', request), host: 'x' };
    expect(hasPeerHeaders(headers)).toBe(true);
    stripPeerHeaders(headers);
    expect(headers).toEqual({ host: 'x' });
    expect(hasPeerHeaders(headers)).toBe(false);
  });
});
