import { describe, expect, it } from 'vitest';
import { AdminAuth, credentialOf } from './admin-auth.js';

const TOKEN = 'an-admin-token-of-some-length';

describe('AdminAuth', () => {
  it('is off without ADMIN_TOKEN and jwt mode', async () => {
    const auth = new AdminAuth({ token: '' });
    expect(await auth.checkCredential(TOKEN)).toMatchObject({
      ok: false,
      status: 403,
      code: 'admin_disabled',
    });
  });

  it('asks for a token (401), refuses a wrong one (403), lets ADMIN_TOKEN in', async () => {
    const auth = new AdminAuth({ token: TOKEN });
    expect(await auth.checkCredential(undefined)).toMatchObject({
      status: 401,
      code: 'admin_token_required',
    });
    expect(await auth.checkCredential('nope')).toMatchObject({ status: 403, code: 'admin_token_refused' });
    expect(await auth.checkCredential(TOKEN)).toEqual({ ok: true, who: 'ADMIN_TOKEN' });
  });

  it('lets a token with the admin claim in, and says why another is refused', async () => {
    const auth = new AdminAuth({
      token: '',
      verifyToken: async (token) => {
        if (token === 'ops') return { id: 'u_ops', admin: true };
        if (token === 'alice') return { id: 'u_alice' };
        throw new Error('bad signature');
      },
    });
    expect(await auth.checkCredential('ops')).toEqual({ ok: true, who: 'u_ops' });
    expect(await auth.checkCredential('alice')).toMatchObject({
      status: 403,
      error: expect.stringContaining('u_alice has no admin claim') as unknown,
    });
    expect(await auth.checkCredential('forged')).toMatchObject({ status: 403, code: 'admin_token_refused' });
  });
});

describe('credentialOf', () => {
  it('reads the bearer token first, then the sign-in cookie', () => {
    expect(credentialOf({ authorization: 'Bearer abc', cookie: 'ringchat_admin=def' })).toBe('abc');
    expect(credentialOf({ cookie: 'a=1; ringchat_admin=d%3Def; b=2' })).toBe('d=ef');
    expect(credentialOf({ authorization: 'Basic xyz' })).toBeUndefined();
    expect(credentialOf({ cookie: 'ringchat_admin=%E0%A4%A' })).toBeUndefined();
  });
});
