import type { GuestIdentities } from './guest-identities.js';
import { IdentityError, type Identity } from './identity.js';
import type { JwtIdentities } from './jwt-identities.js';

/** `AUTH_MODE`: server-signed guests (the default) or tokens from an identity provider. */
export type AuthMode = 'guest' | 'jwt';

/** What a handshake may carry, from socket.io 4's `auth` or socket.io 2's query. */
export interface HandshakeCredentials {
  /** A bearer token (jwt mode): `auth.token` or `?token=`. */
  token?: unknown;
  /** A guest token issued earlier (guest mode): `auth.guest` or `?guest=`. */
  guest?: unknown;
}

/** A connection's identity, and in guest mode the token its client should keep. */
export interface ResolvedIdentity {
  identity: Identity;
  guestToken?: string;
}

export type IdentitySource = { mode: 'guest'; guests: GuestIdentities } | { mode: 'jwt'; jwt: JwtIdentities };

/** The handshake's credentials: `auth` first, the query for clients that have no `auth`. */
export function credentialsOf(
  auth: Record<string, unknown>,
  query: Record<string, unknown>,
): HandshakeCredentials {
  return { token: auth['token'] ?? query['token'], guest: auth['guest'] ?? query['guest'] };
}

/**
 * Turns a handshake into an identity. In guest mode the display name is the one
 * the user picked (validated by the caller) and the id comes from the guest
 * token, or is new: a bare name is a fresh guest. In jwt mode the token decides
 * both and a missing or bad token is refused (an `IdentityError`).
 */
export class IdentityResolver {
  constructor(private readonly source: IdentitySource) {}

  get mode(): AuthMode {
    return this.source.mode;
  }

  async resolve(
    credentials: HandshakeCredentials,
    displayName: string | undefined,
  ): Promise<ResolvedIdentity> {
    if (this.source.mode === 'jwt') return { identity: await this.source.jwt.verify(credentials.token) };
    const guest = this.source.guests.resolve(credentials.guest);
    const name = displayName ?? guest.id;
    return { identity: { id: guest.id, name, kind: 'guest' }, guestToken: guest.token };
  }

  /**
   * A fresh token for a connection's identity (jwt mode): its new expiry and
   * room rules, the display name unchanged. A token for anyone else is refused.
   */
  /** A bearer token's identity (jwt mode); undefined in guest mode, where there are no tokens. */
  async verifyToken(token: string): Promise<Identity | undefined> {
    return this.source.mode === 'jwt' ? await this.source.jwt.verify(token) : undefined;
  }

  async refresh(token: unknown, current: Identity): Promise<Identity> {
    if (this.source.mode !== 'jwt')
      throw new IdentityError('invalid_token', 'guests have no token to refresh');
    const fresh = await this.source.jwt.verify(token);
    if (fresh.id !== current.id) {
      throw new IdentityError('invalid_token', 'the fresh token is for another identity');
    }
    return { ...fresh, name: current.name };
  }
}
