import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, SignJWT, type JWTPayload } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IdentityError } from './identity.js';
import { JwtIdentities } from './jwt-identities.js';
import { mintToken } from './token-minting.js';

const SECRET = 'a test secret of reasonable length';
const KEY = new TextEncoder().encode(SECRET);

function signed(payload: JWTPayload, alg: string, key: KeyObject | Uint8Array, ttl = 60, kid?: string) {
  return new SignJWT(payload)
    .setProtectedHeader(kid ? { alg, kid } : { alg })
    .setExpirationTime(Math.floor(Date.now() / 1000) + ttl)
    .sign(key);
}

async function refusal(verifier: JwtIdentities, token: unknown): Promise<IdentityError> {
  const error = await verifier.verify(token).then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(IdentityError);
  return error as IdentityError;
}

describe('JwtIdentities with a shared secret (HS256)', () => {
  const verifier = new JwtIdentities({ secret: SECRET });

  it('turns sub into the identity and name into the display name', async () => {
    const token = await mintToken({ secret: SECRET, user: 'alice', name: 'Alice', ttlSeconds: 60 });
    const identity = await verifier.verify(token);
    expect(identity).toMatchObject({ id: 'u_alice', name: 'Alice', kind: 'user' });
    expect(identity.expiresAt).toBeGreaterThan(Date.now());
    expect(identity.rooms).toBeUndefined();
  });

  it('uses sub as the name when there is none and reads the rooms claim', async () => {
    const token = await mintToken({ secret: SECRET, user: 'bob', ttlSeconds: 60, rooms: ['team-*'] });
    const identity = await verifier.verify(token);
    expect(identity.name).toBe('bob');
    expect(identity.rooms?.allows('team-a')).toBe(true);
    expect(identity.rooms?.allows('general')).toBe(false);
  });

  it('grants the admin view to "admin": true only', async () => {
    const admin = await verifier.verify(await signed({ sub: 'ops', admin: true }, 'HS256', KEY));
    const lookalike = await verifier.verify(await signed({ sub: 'eve', admin: 'true' }, 'HS256', KEY));
    expect(admin.admin).toBe(true);
    expect(lookalike.admin).toBeUndefined();
  });

  it('tells an expired token apart from a bad one', async () => {
    const expired = await signed({ sub: 'alice' }, 'HS256', new TextEncoder().encode(SECRET), -60);
    expect((await refusal(verifier, expired)).code).toBe('token_expired');
    const forged = await mintToken({ secret: 'another secret', user: 'alice', ttlSeconds: 60 });
    expect((await refusal(verifier, forged)).code).toBe('invalid_token');
  });

  it('refuses tokens without sub or exp, with a bad rooms claim, unsigned, or not strings', async () => {
    const key = new TextEncoder().encode(SECRET);
    const noExp = await new SignJWT({ sub: 'alice' }).setProtectedHeader({ alg: 'HS256' }).sign(key);
    expect((await refusal(verifier, noExp)).message).toMatch(/exp/);
    expect((await refusal(verifier, await signed({}, 'HS256', key))).message).toMatch(/sub/);
    expect((await refusal(verifier, await signed({ sub: 'a', rooms: 'x' }, 'HS256', key))).message).toMatch(
      /rooms/,
    );
    const body = Buffer.from(JSON.stringify({ sub: 'mallory', exp: 9999999999 })).toString('base64url');
    const unsigned = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${body}.`;
    expect((await refusal(verifier, unsigned)).code).toBe('invalid_token');
    expect((await refusal(verifier, undefined)).message).toMatch(/auth\.token/);
  });

  it('checks issuer and audience when they are set', async () => {
    const strict = new JwtIdentities({ secret: SECRET, issuer: 'https://id.example', audience: 'ringchat' });
    const right = await mintToken({
      secret: SECRET,
      user: 'alice',
      ttlSeconds: 60,
      issuer: 'https://id.example',
      audience: 'ringchat',
    });
    expect((await strict.verify(right)).id).toBe('u_alice');
    const wrong = await mintToken({ secret: SECRET, user: 'alice', ttlSeconds: 60, issuer: 'elsewhere' });
    expect((await refusal(strict, wrong)).message).toMatch(/iss/);
  });

  it('needs exactly one key source', () => {
    expect(() => new JwtIdentities({})).toThrow(/exactly one/);
    expect(() => new JwtIdentities({ secret: 'a', jwksUrl: 'http://127.0.0.1/jwks' })).toThrow(/exactly one/);
  });
});

describe('JwtIdentities with public keys', () => {
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const ec = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const pem = (key: KeyObject) => key.export({ type: 'spki', format: 'pem' }).toString();

  it('verifies RS256 and ES256 with a PEM key, and refuses HS256 signed with that PEM', async () => {
    const rsaVerifier = new JwtIdentities({ publicKeyPem: pem(rsa.publicKey) });
    expect((await rsaVerifier.verify(await signed({ sub: 'r' }, 'RS256', rsa.privateKey))).id).toBe('u_r');
    const confused = await signed({ sub: 'r' }, 'HS256', new TextEncoder().encode(pem(rsa.publicKey)));
    expect((await refusal(rsaVerifier, confused)).code).toBe('invalid_token');
    const ecVerifier = new JwtIdentities({ publicKeyPem: pem(ec.publicKey) });
    expect((await ecVerifier.verify(await signed({ sub: 'e' }, 'ES256', ec.privateKey))).id).toBe('u_e');
  });

  describe('from a JWKS URL', () => {
    let server: Server;
    let url: string;

    beforeAll(async () => {
      const jwk = { ...(await exportJWK(ec.publicKey)), kid: 'k1', alg: 'ES256' };
      server = createServer((_req, res) => {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ keys: [jwk] }));
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`;
    });

    afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

    it('verifies a token signed by a key the set holds and refuses others', async () => {
      const verifier = new JwtIdentities({ jwksUrl: url });
      expect((await verifier.verify(await signed({ sub: 'j' }, 'ES256', ec.privateKey, 60, 'k1'))).id).toBe(
        'u_j',
      );
      const other = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
      const stranger = await signed({ sub: 'j' }, 'ES256', other.privateKey, 60, 'k1');
      expect((await refusal(verifier, stranger)).code).toBe('invalid_token');
    });
  });
});
