import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** Options of {@link GuestIdentities}. */
export interface GuestIdentityOptions {
  /** The cluster secret: every node must verify what any node issued. */
  secret: string;
  /** Random bytes in a new guest id. Default 12 (96 bits, never guessed). */
  idBytes?: number;
}

/** A guest's identity as the browser keeps it: `<id>.<signature>`. */
export interface GuestCredential {
  id: string;
  token: string;
}

const ID_PATTERN = /^g_[A-Za-z0-9_-]{8,64}$/;
// Bound to its use, so a signature made for something else never passes as a guest's.
const SIGNING_CONTEXT = 'ringchat guest identity v1:';

/**
 * Server-signed guest identities: a guest keeps its token and presents it on
 * every handshake; nobody without the cluster secret can make a token for an id
 * that is not theirs. The display name is not part of it: a guest may rename.
 */
export class GuestIdentities {
  private readonly secret: string;
  private readonly idBytes: number;

  constructor(options: GuestIdentityOptions) {
    if (!options.secret) throw new TypeError('guest identities need a secret');
    this.secret = options.secret;
    this.idBytes = options.idBytes ?? 12;
  }

  issue(): GuestCredential {
    const id = `g_${randomBytes(this.idBytes).toString('base64url')}`;
    return { id, token: `${id}.${this.sign(id)}` };
  }

  /** The credential a token proves, or `undefined` for anything else. */
  verify(token: unknown): GuestCredential | undefined {
    if (typeof token !== 'string' || token.length > 200) return undefined;
    const dot = token.indexOf('.');
    const id = token.slice(0, dot);
    if (dot < 0 || !ID_PATTERN.test(id)) return undefined;
    const given = Buffer.from(token.slice(dot + 1));
    const expected = Buffer.from(this.sign(id));
    return given.length === expected.length && timingSafeEqual(given, expected) ? { id, token } : undefined;
  }

  /** The presented identity when its token verifies, else a fresh one. */
  resolve(token: unknown): GuestCredential & { fresh: boolean } {
    const known = this.verify(token);
    return known ? { ...known, fresh: false } : { ...this.issue(), fresh: true };
  }

  private sign(id: string): string {
    return createHmac('sha256', this.secret)
      .update(SIGNING_CONTEXT + id)
      .digest('base64url');
  }
}
