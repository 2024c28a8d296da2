import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

/** Why the admin view was refused: the status and the machine-readable code. */
export type AdminRefusal =
  | { status: 401; code: 'admin_token_required'; error: string }
  | { status: 403; code: 'admin_token_refused' | 'admin_disabled'; error: string };

export type AdminAccess = { ok: true; who: string } | ({ ok: false } & AdminRefusal);

export interface AdminAuthOptions {
  /** `ADMIN_TOKEN`; empty: no shared admin token. */
  token: string;
  /** jwt mode: a bearer token's identity, whose `admin: true` grants the view. */
  verifyToken?: (token: string) => Promise<{ id: string; admin?: true } | undefined>;
}

/** The cookie the sign-in form sets, scoped to /admin. */
export const ADMIN_COOKIE = 'ringchat_admin';

/**
 * Who may open the admin view: the holder of `ADMIN_TOKEN`, or in jwt mode a
 * token user whose token carries `"admin": true`. The credential comes as
 * `Authorization: Bearer …` (scripts) or in the cookie the sign-in form sets
 * (people); nothing in a URL, where access logs would keep it.
 */
export class AdminAuth {
  private readonly tokenDigest?: Buffer;

  constructor(private readonly options: AdminAuthOptions) {
    if (options.token) this.tokenDigest = digest(options.token);
  }

  /** Whether any credential can open the view at all. */
  get enabled(): boolean {
    return this.tokenDigest !== undefined || this.options.verifyToken !== undefined;
  }

  async check(headers: IncomingHttpHeaders): Promise<AdminAccess> {
    return this.checkCredential(credentialOf(headers));
  }

  async checkCredential(credential: string | undefined): Promise<AdminAccess> {
    if (!this.enabled) {
      return refuse(403, 'admin_disabled', 'the admin view is off: set ADMIN_TOKEN (or use AUTH_MODE=jwt)');
    }
    if (!credential) {
      return refuse(
        401,
        'admin_token_required',
        'the admin view needs a token: send "Authorization: Bearer <ADMIN_TOKEN>" or sign in at /admin',
      );
    }
    // Compared as digests: equal lengths, and no early exit that times the match.
    if (this.tokenDigest && timingSafeEqual(digest(credential), this.tokenDigest)) {
      return { ok: true, who: 'ADMIN_TOKEN' };
    }
    const identity = await this.options.verifyToken?.(credential).catch(() => undefined);
    if (identity?.admin) return { ok: true, who: identity.id };
    const why = identity ? `the token of ${identity.id} has no admin claim` : 'the token is not valid here';
    return refuse(403, 'admin_token_refused', `admin view refused: ${why}`);
  }
}

function refuse<S extends AdminRefusal['status']>(
  status: S,
  code: Extract<AdminRefusal, { status: S }>['code'],
  error: string,
): AdminAccess {
  return { ok: false, status, code, error } as AdminAccess;
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

/** True when `given` is `expected`, compared in constant time. */
export function sameToken(given: string, expected: string): boolean {
  return timingSafeEqual(digest(given), digest(expected));
}

/** The bearer token of the Authorization header, else the sign-in cookie. */
export function credentialOf(headers: IncomingHttpHeaders): string | undefined {
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(headers.authorization ?? '');
  if (bearer) return bearer[1];
  for (const part of (headers.cookie ?? '').split(';')) {
    const [name, ...value] = part.trim().split('=');
    if (name !== ADMIN_COOKIE) continue;
    try {
      return decodeURIComponent(value.join('=')) || undefined;
    } catch {
      return undefined;
    }
  }
  return undefined;
}
