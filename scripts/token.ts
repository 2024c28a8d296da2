// `npm run token -- --user alice [--name "Alice"] [--ttl 1h] [--rooms "general,team-*"]`:
// prints an HS256 token signed with AUTH_JWT_SECRET, for trying AUTH_MODE=jwt out.
// Production tokens come from your identity provider.
import { parseArgs } from 'node:util';
import { mintToken, parseDuration } from '../libs/identity/src/index.js';

const USAGE = `Usage: npm run token -- --user <sub> [--name <display name>] [--ttl <duration>] [--rooms <list>]

Prints a token for AUTH_MODE=jwt, signed (HS256) with AUTH_JWT_SECRET from the environment.
  --user   the identity (the token's sub); required
  --name   the display name (the name claim); default: the user
  --ttl    lifetime: 90, 45s, 30m, 1h, 7d; default 1h
  --rooms  comma-separated room names or prefix* patterns the user may join; default: any room
AUTH_JWT_ISSUER and AUTH_JWT_AUDIENCE, when set, go into the token as iss and aud.
`;

function fail(message: string): never {
  process.stderr.write(`${message}\n\n${USAGE}`);
  process.exit(2);
}

let values: Record<string, string | boolean | undefined>;
try {
  ({ values } = parseArgs({
    options: {
      user: { type: 'string' },
      name: { type: 'string' },
      ttl: { type: 'string', default: '1h' },
      rooms: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  }));
} catch (error) {
  fail((error as Error).message);
}
if (values.help) {
  process.stdout.write(USAGE);
  process.exit(0);
}
const user = typeof values.user === 'string' ? values.user.trim() : '';
if (!user) fail('--user is required');
const ttlSeconds = parseDuration(String(values.ttl));
if (ttlSeconds === undefined)
  fail(`--ttl must be a duration such as 90, 45s, 30m, 1h or 7d (got ${String(values.ttl)})`);
const secret = process.env.AUTH_JWT_SECRET?.trim();
if (!secret) fail('AUTH_JWT_SECRET is not set: export the secret the nodes verify tokens with');
const rooms =
  typeof values.rooms === 'string'
    ? values.rooms
        .split(',')
        .map((room) => room.trim())
        .filter(Boolean)
    : undefined;

const token = await mintToken({
  secret,
  user,
  name: typeof values.name === 'string' ? values.name : undefined,
  ttlSeconds,
  rooms,
  issuer: process.env.AUTH_JWT_ISSUER?.trim() || undefined,
  audience: process.env.AUTH_JWT_AUDIENCE?.trim() || undefined,
});
process.stdout.write(`${token}\n`);
