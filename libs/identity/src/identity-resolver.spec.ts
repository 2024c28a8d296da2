import { describe, expect, it } from 'vitest';
import { GuestIdentities } from './guest-identities.js';
import { IdentityError } from './identity.js';
import { credentialsOf, IdentityResolver } from './identity-resolver.js';
import { JwtIdentities } from './jwt-identities.js';
import { mintToken } from './token-minting.js';

const SECRET = 'resolver test secret';

describe('credentialsOf', () => {
  it('prefers auth and falls back to the query of socket.io 2 clients', () => {
    expect(credentialsOf({ token: 'a', guest: 'g' }, { token: 'b', guest: 'h' })).toEqual({
      token: 'a',
      guest: 'g',
    });
    expect(credentialsOf({}, { token: 'b', guest: 'h' })).toEqual({ token: 'b', guest: 'h' });
    expect(credentialsOf({}, {})).toEqual({ token: undefined, guest: undefined });
  });
});

describe('IdentityResolver in guest mode', () => {
  const guests = new GuestIdentities({ secret: SECRET });
  const resolver = new IdentityResolver({ mode: 'guest', guests });

  it('makes a bare name a fresh guest, and two guests of one name two identities', async () => {
    const first = await resolver.resolve({}, 'erin');
    const second = await resolver.resolve({}, 'erin');
    expect(first.identity).toMatchObject({ name: 'erin', kind: 'guest' });
    expect(first.identity.id).not.toBe(second.identity.id);
    expect(guests.verify(first.guestToken)?.id).toBe(first.identity.id);
  });

  it('keeps the identity of a guest that presents its token, under any name', async () => {
    const first = await resolver.resolve({}, 'erin');
    const again = await resolver.resolve({ guest: first.guestToken }, 'Erin B.');
    expect(again.identity).toEqual({ id: first.identity.id, name: 'Erin B.', kind: 'guest' });
  });

  it('never lets a forged token take an identity', async () => {
    const victim = await resolver.resolve({}, 'alice');
    const forged = `${victim.identity.id}.AAAA`;
    const attacker = await resolver.resolve({ guest: forged }, 'alice');
    expect(attacker.identity.id).not.toBe(victim.identity.id);
  });
});

describe('IdentityResolver in jwt mode', () => {
  const resolver = new IdentityResolver({ mode: 'jwt', jwt: new JwtIdentities({ secret: SECRET }) });

  it('takes identity and name from the token, not from the handshake', async () => {
    const token = await mintToken({ secret: SECRET, user: 'alice', name: 'Alice', ttlSeconds: 60 });
    const { identity, guestToken } = await resolver.resolve({ token }, 'mallory');
    expect(identity).toMatchObject({ id: 'u_alice', name: 'Alice', kind: 'user' });
    expect(guestToken).toBeUndefined();
  });

  it('refuses a handshake without a token', async () => {
    await expect(resolver.resolve({}, 'alice')).rejects.toBeInstanceOf(IdentityError);
  });

  it('refreshes a connection only with a token of the same subject', async () => {
    const first = await mintToken({ secret: SECRET, user: 'alice', name: 'Alice', ttlSeconds: 60 });
    const { identity } = await resolver.resolve({ token: first }, undefined);
    const later = await mintToken({
      secret: SECRET,
      user: 'alice',
      name: 'Al',
      ttlSeconds: 3600,
      rooms: ['a'],
    });
    const refreshed = await resolver.refresh(later, identity);
    expect(refreshed).toMatchObject({ id: 'u_alice', name: 'Alice' });
    expect(refreshed.expiresAt).toBeGreaterThan(identity.expiresAt!);
    expect(refreshed.rooms?.allows('b')).toBe(false);
    const other = await mintToken({ secret: SECRET, user: 'mallory', ttlSeconds: 3600 });
    await expect(resolver.refresh(other, identity)).rejects.toMatchObject({ code: 'invalid_token' });
  });
});

describe('IdentityResolver.refresh in guest mode', () => {
  it('is refused: guests have no token', async () => {
    const resolver = new IdentityResolver({ mode: 'guest', guests: new GuestIdentities({ secret: SECRET }) });
    const { identity } = await resolver.resolve({}, 'erin');
    await expect(resolver.refresh('x', identity)).rejects.toMatchObject({ code: 'invalid_token' });
  });
});
