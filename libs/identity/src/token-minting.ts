import { SignJWT } from 'jose';

/** What `npm run token` puts in a token. */
export interface MintOptions {
  secret: string;
  user: string;
  name?: string;
  /** Lifetime in seconds. */
  ttlSeconds: number;
  rooms?: string[];
  issuer?: string;
  audience?: string;
}

/** An HS256 token for trying `AUTH_MODE=jwt` out; production tokens come from your identity provider. */
export async function mintToken(options: MintOptions): Promise<string> {
  const claims: Record<string, unknown> = {};
  if (options.name) claims['name'] = options.name;
  if (options.rooms) claims['rooms'] = options.rooms;
  let jwt = new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(options.user)
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + options.ttlSeconds);
  if (options.issuer) jwt = jwt.setIssuer(options.issuer);
  if (options.audience) jwt = jwt.setAudience(options.audience);
  return jwt.sign(new TextEncoder().encode(options.secret));
}

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

/** `90`, `45s`, `30m`, `1h`, `7d` → seconds; `undefined` for anything else. */
export function parseDuration(text: string): number | undefined {
  const match = /^(\d+)([smhd]?)$/.exec(text.trim());
  if (!match) return undefined;
  const seconds = Number(match[1]) * UNIT_SECONDS[match[2] || 's'];
  return seconds > 0 ? seconds : undefined;
}
