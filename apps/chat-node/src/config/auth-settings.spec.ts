import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, describeConfig, loadNodeConfig } from './node-config.js';
import { publicKeyPemOf } from './public-key.js';

const VALID = { NODE_ID: 'node1', CLUSTER_SECRET: 'a-long-enough-secret' };
const JWT_SECRET = 'a-jwt-secret-of-at-least-32-characters';
const PEM = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({
  type: 'spki',
  format: 'pem',
}) as string;

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadNodeConfig(env);
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
}

describe('auth settings', () => {
  it('defaults to guest mode, which needs no key', () => {
    expect(loadNodeConfig(VALID).authMode).toBe('guest');
  });

  it('needs exactly one key source in jwt mode', () => {
    const jwt = { ...VALID, AUTH_MODE: 'jwt' };
    expect(problemsOf(jwt)).toEqual([
      'AUTH_MODE must be guest, or jwt with exactly one of AUTH_JWT_SECRET, AUTH_JWT_PUBLIC_KEY and AUTH_JWKS_URL (got jwt with 0 key sources)',
    ]);
    expect(
      problemsOf({ ...jwt, AUTH_JWT_SECRET: JWT_SECRET, AUTH_JWKS_URL: 'https://id.example/jwks' }),
    ).toEqual([expect.stringContaining('got jwt with 2 key sources')]);
    expect(problemsOf({ ...jwt, AUTH_JWT_SECRET: JWT_SECRET })).toEqual([]);
    expect(problemsOf({ ...jwt, AUTH_JWT_SECRET: 'short' })).toEqual([
      expect.stringMatching(/^AUTH_JWT_SECRET must be at least 32 characters/),
    ]);
  });

  it('takes the public key inline, with \\n for its line breaks, or from a file', () => {
    const inline = PEM.trim().replaceAll('\n', '\\n');
    expect(publicKeyPemOf(inline)).toBe(PEM.trim());
    const file = join(mkdtempSync(join(tmpdir(), 'ringchat-key-')), 'key.pem');
    writeFileSync(file, PEM);
    expect(publicKeyPemOf(file)).toBe(PEM);
    const config = loadNodeConfig({ ...VALID, AUTH_MODE: 'jwt', AUTH_JWT_PUBLIC_KEY: file });
    expect(config.authJwtPublicKey).toBe(file);
    expect(problemsOf({ ...VALID, AUTH_JWT_PUBLIC_KEY: '/no/such/key.pem' })).toEqual([
      expect.stringMatching(/^AUTH_JWT_PUBLIC_KEY must be a PEM public key/),
    ]);
    expect(
      publicKeyPemOf('-----BEGIN PUBLIC KEY-----\\nnot a key\\n-----END PUBLIC KEY-----'),
    ).toBeUndefined();
  });

  it('never shows the jwt secret when describing the config', () => {
    const config = loadNodeConfig({ ...VALID, AUTH_MODE: 'jwt', AUTH_JWT_SECRET: JWT_SECRET });
    expect(describeConfig(config)).not.toContain(JWT_SECRET);
  });
});
