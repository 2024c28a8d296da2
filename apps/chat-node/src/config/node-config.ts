import { LOG_FORMATS, LOG_LEVELS, type LogFormat, type LogLevel } from '@app/logging';

/** Everything a node reads from its environment, validated. */
export interface NodeConfig {
  /** `NODE_ID`: this node's unique name and log tag. Required. */
  nodeId: string;
  /** `HOST`: interface to listen on. @default '127.0.0.1' */
  host: string;
  /** `PORT`: HTTP port for clients and peers. @default 3000 */
  port: number;
  /** `REDIS_URL`: Redis for pub/sub, membership and history. @default 'redis://127.0.0.1:6379' */
  redisUrl: string;
  /** `ADVERTISE_URL`: where peers reach this node. @default http://HOST:PORT (127.0.0.1 for 0.0.0.0) */
  advertiseUrl: string;
  /** `CLUSTER_SECRET`: shared by all nodes; authenticates forwarded requests. Required, 16+ chars. */
  clusterSecret: string;
  /** `LOG_LEVEL`: error, warn, info, debug or trace. @default 'info' */
  logLevel: LogLevel;
  /** `LOG_FORMAT`: text or json. @default 'text' */
  logFormat: LogFormat;
  /** `PING_INTERVAL_MS`: engine.io heartbeat interval. @default 25000 */
  pingIntervalMs: number;
  /** `PING_TIMEOUT_MS`: engine.io heartbeat timeout. @default 20000 */
  pingTimeoutMs: number;
  /** `MAX_PAYLOAD_BYTES`: largest engine.io message or HTTP body accepted. @default 1000000 */
  maxPayloadBytes: number;
  /** `SHUTDOWN_TIMEOUT_MS`: after the drain, exit by force if closing takes longer. @default 5000 */
  shutdownTimeoutMs: number;
  /** `DRAIN_TIMEOUT_MS`: on SIGTERM, wait this long at most for requests and WebSockets relayed for other nodes. @default 30000 */
  drainTimeoutMs: number;
  /** `HEARTBEAT_INTERVAL_MS`: membership heartbeat. @default 1000 */
  heartbeatIntervalMs: number;
  /** `MEMBER_TTL_MS`: a node silent this long is dropped from the ring. @default 3000 */
  memberTtlMs: number;
  /** `RINGCHAT_PROFILE`: `chat`, or `protocol-test` for the socket.io protocol test suite. @default 'chat' */
  profile: Profile;
  /** `HISTORY_PAGE_SIZE`: messages sent on join. @default 50 */
  historyPageSize: number;
  /** `HISTORY_RETENTION`: messages kept per room. @default 1000 */
  historyRetention: number;
  /** `HISTORY_MAX_AGE_MS`: also drop older messages; 0 keeps them. @default 0 */
  historyMaxAgeMs: number;
  /** `MESSAGE_MAX_LENGTH`: longest message, in characters. @default 2000 */
  messageMaxLength: number;
  /** `RATE_LIMIT_PER_SEC` / `RATE_LIMIT_BURST`: events per connection. @default 20 / 40 */
  ratePerSecond: number;
  rateBurst: number;
  /** socket.io's connectTimeout (set by the profile). */
  connectTimeoutMs: number;
  /** Allowed CORS origin for engine.io requests, if any (set by the profile). */
  corsOrigin?: string;
  /** Accept Engine.IO v3 clients (socket.io-client 2.x); off in the protocol-test profile. */
  allowEio3: boolean;
}

export const PROFILES = ['chat', 'protocol-test'] as const;
export type Profile = (typeof PROFILES)[number];

/**
 * `protocol-test` runs the nodes as the reference server of the official
 * socket.io protocol test suite expects: its timings, its limits, any origin.
 */
const PROFILE_SETTINGS: Record<Profile, Partial<NodeConfig>> = {
  chat: {},
  'protocol-test': {
    pingIntervalMs: 300,
    pingTimeoutMs: 200,
    connectTimeoutMs: 1000,
    maxPayloadBytes: 1_000_000,
    corsOrigin: '*',
    // The suite expects a request without EIO=4 to be refused.
    allowEio3: false,
  },
};

/** The variables, their defaults and their checks, in one place. */
export const CONFIG_DEFAULTS = {
  HOST: '127.0.0.1',
  PORT: '3000',
  REDIS_URL: 'redis://127.0.0.1:6379',
  LOG_LEVEL: 'info',
  LOG_FORMAT: 'text',
  PING_INTERVAL_MS: '25000',
  PING_TIMEOUT_MS: '20000',
  MAX_PAYLOAD_BYTES: '1000000',
  SHUTDOWN_TIMEOUT_MS: '5000',
  DRAIN_TIMEOUT_MS: '30000',
  HEARTBEAT_INTERVAL_MS: '1000',
  MEMBER_TTL_MS: '3000',
  RINGCHAT_PROFILE: 'chat',
  HISTORY_PAGE_SIZE: '50',
  HISTORY_RETENTION: '1000',
  HISTORY_MAX_AGE_MS: '0',
  MESSAGE_MAX_LENGTH: '2000',
  RATE_LIMIT_PER_SEC: '20',
  RATE_LIMIT_BURST: '40',
} as const;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration: ${problems.join('; ')}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

/** Reads one variable, reporting problems instead of throwing so all are shown at once. */
class EnvReader {
  readonly problems: string[] = [];

  constructor(private readonly env: Env) {}

  raw(name: string): string | undefined {
    const value = this.env[name]?.trim();
    if (value) return value;
    return (CONFIG_DEFAULTS as Record<string, string>)[name];
  }

  fail(name: string, expectation: string): void {
    const value = this.env[name];
    const got = value === undefined || value.trim() === '' ? 'it is not set' : `got ${JSON.stringify(value)}`;
    this.problems.push(`${name} ${expectation} (${got})`);
  }

  string(name: string, pattern: RegExp, expectation: string): string {
    const value = this.raw(name);
    if (value === undefined || !pattern.test(value)) {
      this.fail(name, expectation);
      return '';
    }
    return value;
  }

  integer(name: string, min: number, max: number): number {
    const value = this.raw(name) ?? '';
    const parsed = /^\d+$/.test(value) ? Number(value) : NaN;
    if (!Number.isSafeInteger(parsed) || parsed < min || parsed > max) {
      this.fail(name, `must be a whole number from ${min} to ${max}`);
      return min;
    }
    return parsed;
  }

  oneOf<T extends string>(name: string, choices: readonly T[]): T {
    const value = this.raw(name)?.toLowerCase();
    if (!choices.includes(value as T)) {
      this.fail(name, `must be one of ${choices.join(', ')}`);
      return choices[0];
    }
    return value as T;
  }

  url(name: string, protocols: string[], fallback?: string, originOnly = false): string {
    const value = this.raw(name) ?? fallback;
    const parsed = value ? safeUrl(value) : undefined;
    const hasPath = parsed !== undefined && (parsed.pathname.length > 1 || parsed.search !== '');
    if (!parsed || !protocols.includes(parsed.protocol) || (originOnly && hasPath)) {
      const schemes = protocols.map((p) => `${p}//`).join(' or ');
      this.fail(name, `must be a URL starting with ${schemes}${originOnly ? ', without a path' : ''}`);
      return '';
    }
    return value!;
  }
}

function safeUrl(value: string): URL | undefined {
  try {
    return new URL(value);
  } catch {
    return undefined;
  }
}

/**
 * Validates the environment. Throws one ConfigError naming every bad or missing
 * variable, so a misconfigured node fails once, clearly, before it opens anything.
 */
export function loadNodeConfig(env: Env): NodeConfig {
  const read = new EnvReader(env);
  const nodeId = read.string(
    'NODE_ID',
    /^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$/,
    'must be 1-32 letters, digits, "-" or "_", starting with a letter or digit',
  );
  const host = read.string('HOST', /^[A-Za-z0-9.:[\]-]+$/, 'must be a host name or IP address');
  const port = read.integer('PORT', 1, 65535);
  const redisUrl = read.url('REDIS_URL', ['redis:', 'rediss:']);
  const reachableHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  const advertiseUrl = read.url(
    'ADVERTISE_URL',
    ['http:', 'https:'],
    `http://${reachableHost}:${port}`,
    true,
  );
  const clusterSecret = read.string(
    'CLUSTER_SECRET',
    /^\S{16,}$/,
    'must be at least 16 characters without spaces, the same on every node',
  );
  const config: NodeConfig = {
    nodeId,
    host,
    port,
    redisUrl,
    advertiseUrl: advertiseUrl.replace(/\/+$/, ''),
    clusterSecret,
    logLevel: read.oneOf('LOG_LEVEL', LOG_LEVELS),
    logFormat: read.oneOf('LOG_FORMAT', LOG_FORMATS),
    pingIntervalMs: read.integer('PING_INTERVAL_MS', 50, 600_000),
    pingTimeoutMs: read.integer('PING_TIMEOUT_MS', 50, 600_000),
    maxPayloadBytes: read.integer('MAX_PAYLOAD_BYTES', 1024, 100_000_000),
    shutdownTimeoutMs: read.integer('SHUTDOWN_TIMEOUT_MS', 100, 600_000),
    drainTimeoutMs: read.integer('DRAIN_TIMEOUT_MS', 0, 3_600_000),
    heartbeatIntervalMs: read.integer('HEARTBEAT_INTERVAL_MS', 50, 60_000),
    memberTtlMs: read.integer('MEMBER_TTL_MS', 100, 600_000),
    profile: read.oneOf('RINGCHAT_PROFILE', PROFILES),
    historyPageSize: read.integer('HISTORY_PAGE_SIZE', 1, 500),
    historyRetention: read.integer('HISTORY_RETENTION', 10, 10_000_000),
    historyMaxAgeMs: read.integer('HISTORY_MAX_AGE_MS', 0, 10 * 365 * 24 * 3600 * 1000),
    messageMaxLength: read.integer('MESSAGE_MAX_LENGTH', 1, 100_000),
    ratePerSecond: read.integer('RATE_LIMIT_PER_SEC', 1, 100_000),
    rateBurst: read.integer('RATE_LIMIT_BURST', 1, 100_000),
    connectTimeoutMs: 45_000,
    allowEio3: true,
  };
  if (config.memberTtlMs < 2 * config.heartbeatIntervalMs) {
    read.fail('MEMBER_TTL_MS', 'must be at least twice HEARTBEAT_INTERVAL_MS');
  }
  if (read.problems.length > 0) throw new ConfigError(read.problems);
  return { ...config, ...PROFILE_SETTINGS[config.profile] };
}

/** The secret is never logged; everything else is, to make a start-up traceable. */
export function describeConfig(config: NodeConfig): string {
  const { clusterSecret: _secret, ...shown } = config;
  return Object.entries(shown)
    .map(([key, value]) => `${key}=${String(value)}`)
    .join(' ');
}

/** `--help` text: the variables, what they do and their defaults. */
export function configHelp(): string {
  const d = CONFIG_DEFAULTS;
  return `ringchat chat node: one member of a ringchat cluster.

Usage: NODE_ID=node1 CLUSTER_SECRET=... node <build>/main.js
Configured by environment variables:
  NODE_ID              unique node name and log tag (required)
  CLUSTER_SECRET       shared by all nodes, 16+ characters (required)
  HOST                 listen address                      default ${d.HOST}
  PORT                 listen port                         default ${d.PORT}
  REDIS_URL            redis:// or rediss:// URL           default ${d.REDIS_URL}
  ADVERTISE_URL        where peers reach this node         default http://HOST:PORT
  LOG_LEVEL            error | warn | info | debug | trace default ${d.LOG_LEVEL}
  LOG_FORMAT           text | json                         default ${d.LOG_FORMAT}
  PING_INTERVAL_MS     engine.io heartbeat interval        default ${d.PING_INTERVAL_MS}
  PING_TIMEOUT_MS      engine.io heartbeat timeout         default ${d.PING_TIMEOUT_MS}
  MAX_PAYLOAD_BYTES    largest message or HTTP body        default ${d.MAX_PAYLOAD_BYTES}
  DRAIN_TIMEOUT_MS     on SIGTERM, wait at most this long for
                       traffic relayed for other nodes     default ${d.DRAIN_TIMEOUT_MS}
  SHUTDOWN_TIMEOUT_MS  then exit by force after this long  default ${d.SHUTDOWN_TIMEOUT_MS}
  HEARTBEAT_INTERVAL_MS membership heartbeat               default ${d.HEARTBEAT_INTERVAL_MS}
  MEMBER_TTL_MS        silent nodes leave the ring after   default ${d.MEMBER_TTL_MS}
  RINGCHAT_PROFILE     chat | protocol-test                default ${d.RINGCHAT_PROFILE}
  HISTORY_PAGE_SIZE    messages a client gets on join      default ${d.HISTORY_PAGE_SIZE}
  HISTORY_RETENTION    messages kept per room              default ${d.HISTORY_RETENTION}
  HISTORY_MAX_AGE_MS   drop older messages (0: never)      default ${d.HISTORY_MAX_AGE_MS}
  MESSAGE_MAX_LENGTH   longest message, in characters      default ${d.MESSAGE_MAX_LENGTH}
  RATE_LIMIT_PER_SEC   events per second per connection    default ${d.RATE_LIMIT_PER_SEC}
  RATE_LIMIT_BURST     burst of events per connection      default ${d.RATE_LIMIT_BURST}
A bad or missing value stops the node with one line naming the variable (exit code 2).
`;
}
