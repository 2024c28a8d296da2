import { createPublicKey, type KeyObject } from 'node:crypto';
import { createRemoteJWKSet, errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { IdentityError, type Identity } from './identity.js';
import { RoomRules } from './room-rules.js';

/** Where the keys come from: exactly one of the three. */
export interface JwtIdentityOptions {
  /** HS256 shared secret (`AUTH_JWT_SECRET`). */
  secret?: string;
  /** RS256 or ES256 public key, PEM (`AUTH_JWT_PUBLIC_KEY`). */
  publicKeyPem?: string;
  /** A JWKS document of RS256/ES256 keys, fetched and cached by kid (`AUTH_JWKS_URL`). */
  jwksUrl?: string;
  /** Required `iss` when set (`AUTH_JWT_ISSUER`). */
  issuer?: string;
  /** Required `aud` when set (`AUTH_JWT_AUDIENCE`). */
  audience?: string;
  /** Clock skew allowed on `exp` and `nbf`, in seconds. Default 5. */
  clockToleranceSeconds?: number;
}

const MAX_SUBJECT_LENGTH = 128;
const MAX_TOKEN_LENGTH = 8192;

/** Verifies bearer tokens into identities: `sub` is the identity, `name` the display name. */
export class JwtIdentities {
  private readonly getKey: JWTVerifyGetKey;
  private readonly algorithms: string[];

  constructor(private readonly options: JwtIdentityOptions) {
    const sources = [options.secret, options.publicKeyPem, options.jwksUrl].filter(Boolean);
    if (sources.length !== 1) {
      throw new TypeError('jwt mode needs exactly one of a secret, a public key (PEM) or a JWKS URL');
    }
    if (options.secret) {
      const secret = new TextEncoder().encode(options.secret);
      this.getKey = () => secret;
      this.algorithms = ['HS256'];
    } else if (options.publicKeyPem) {
      const key = createPublicKey(options.publicKeyPem);
      this.getKey = () => key;
      this.algorithms = [algorithmOf(key)];
    } else {
      this.getKey = createRemoteJWKSet(new URL(options.jwksUrl ?? ''));
      this.algorithms = ['RS256', 'ES256'];
    }
  }

  async verify(token: unknown): Promise<Identity> {
    if (typeof token !== 'string' || token.length === 0 || token.length > MAX_TOKEN_LENGTH) {
      throw new IdentityError(
        'invalid_token',
        'a token is required: pass auth.token or the query parameter token',
      );
    }
    const payload = await this.verifiedPayload(token);
    const sub = payload.sub;
    if (!sub || sub.length > MAX_SUBJECT_LENGTH) {
      throw new IdentityError('invalid_token', `the token's sub must be 1-${MAX_SUBJECT_LENGTH} characters`);
    }
    let rooms: RoomRules | undefined;
    try {
      rooms = RoomRules.fromClaim(payload['rooms']);
    } catch (error) {
      throw new IdentityError('invalid_token', (error as Error).message);
    }
    const name = typeof payload['name'] === 'string' && payload['name'].trim() ? payload['name'].trim() : sub;
    const identity: Identity = {
      id: `u_${sub}`,
      name,
      kind: 'user',
      rooms,
      expiresAt: (payload.exp ?? 0) * 1000,
    };
    // Only the boolean true counts: "admin": "false" is no grant.
    return payload['admin'] === true ? { ...identity, admin: true } : identity;
  }

  private async verifiedPayload(token: string): Promise<JWTPayload> {
    try {
      const options = {
        algorithms: this.algorithms,
        issuer: this.options.issuer,
        audience: this.options.audience,
        clockTolerance: this.options.clockToleranceSeconds ?? 5,
        requiredClaims: ['sub', 'exp'],
      };
      return (await jwtVerify(token, this.getKey, options)).payload;
    } catch (error) {
      if (error instanceof errors.JWTExpired)
        throw new IdentityError('token_expired', 'the token has expired');
      const reason = error instanceof errors.JOSEError ? error.message : 'it could not be verified';
      throw new IdentityError('invalid_token', `the token was refused: ${reason}`);
    }
  }
}

/** The one algorithm a PEM key may sign with: no algorithm confusion. */
function algorithmOf(key: KeyObject): string {
  if (key.asymmetricKeyType === 'rsa') return 'RS256';
  if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1') return 'ES256';
  throw new TypeError('the public key must be an RSA key (RS256) or a P-256 EC key (ES256)');
}
