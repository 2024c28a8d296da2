import { GuestIdentities, IdentityResolver, JwtIdentities, mintToken } from '@app/identity';
import { describe, expect, it } from 'vitest';
import { identifyHandshake, participantOf } from './handshake-identity.js';

const SECRET = 'handshake spec secret, long enough';

describe('identifyHandshake in guest mode', () => {
  const resolver = new IdentityResolver({ mode: 'guest', guests: new GuestIdentities({ secret: SECRET }) });

  it('takes the name from auth, else from the query of socket.io 2 clients', async () => {
    const fromAuth = await identifyHandshake(resolver, { auth: { user: ' ann ' }, query: { user: 'bob' } });
    const fromQuery = await identifyHandshake(resolver, { auth: undefined, query: { user: 'bob' } });
    expect(fromAuth.ok && fromAuth.value.identity.name).toBe('ann');
    expect(fromQuery.ok && fromQuery.value.identity.name).toBe('bob');
  });

  it('keeps a guest that presents its token, in auth or in the query', async () => {
    const first = await identifyHandshake(resolver, { auth: { user: 'ann' }, query: {} });
    if (!first.ok) throw new Error(first.error);
    const guest = first.value.guestToken;
    const again = await identifyHandshake(resolver, { auth: undefined, query: { user: 'ann', guest } });
    expect(again.ok && again.value.identity.id).toBe(first.value.identity.id);
  });

  it('refuses a handshake without a usable name', async () => {
    expect(await identifyHandshake(resolver, { auth: {}, query: {} })).toMatchObject({
      ok: false,
      code: 'invalid',
      error: expect.stringMatching(/user name is required/),
    });
    expect(await identifyHandshake(resolver, { auth: { user: 'a\nb' }, query: {} })).toMatchObject({
      ok: false,
      code: 'invalid',
    });
  });
});

describe('identifyHandshake in jwt mode', () => {
  const resolver = new IdentityResolver({ mode: 'jwt', jwt: new JwtIdentities({ secret: SECRET }) });
  const token = (name?: string) => mintToken({ secret: SECRET, user: 'ann', name, ttlSeconds: 60 });

  it("ignores the handshake's name and takes the token's", async () => {
    const result = await identifyHandshake(resolver, {
      auth: { user: 'mallory', token: await token('Ann') },
      query: {},
    });
    expect(result.ok && participantOf(result.value.identity)).toEqual({
      user: 'Ann',
      userId: 'u_ann',
      guest: false,
    });
  });

  it("cuts a token's long name to the protocol's length", async () => {
    const long = 'Alexandra Montgomery-Fitzgerald the Third';
    const result = await identifyHandshake(resolver, { auth: { token: await token(long) }, query: {} });
    expect(result.ok && result.value.identity.name).toBe(long.slice(0, 32).trim());
  });

  it('refuses a missing token, and a name no display could show, with invalid_token', async () => {
    expect(await identifyHandshake(resolver, { auth: { user: 'ann' }, query: {} })).toMatchObject({
      ok: false,
      code: 'invalid_token',
    });
    expect(
      await identifyHandshake(resolver, { auth: { token: await token('a\u0000b') }, query: {} }),
    ).toMatchObject({
      ok: false,
      code: 'invalid_token',
      error: expect.stringMatching(/^the token's name/),
    });
  });
});
