import type { RoomDelivery } from '@app/chat';
import { NODE_ID_PATTERN } from '@app/cluster';
import { LOG_FORMATS, LOG_LEVELS } from '@app/logging';
import { integer, oneOf, originList, publicKey, text, url } from './setting-entry.js';
import type { ValuesOf } from './setting-types.js';

/** `protocol-test` serves the official socket.io protocol test suite (see profiles.ts). */
export const PROFILES = ['chat', 'protocol-test'] as const;
export type Profile = (typeof PROFILES)[number];

/** `guest`: server-signed guest identities; `jwt`: tokens from an identity provider. */
export const AUTH_MODES = ['guest', 'jwt'] as const;

/** `room`: a node receives a room's messages while it has members there; `broadcast`: every node gets all. */
export const ROOM_DELIVERIES = ['room', 'broadcast'] as const satisfies readonly RoomDelivery[];

const TEN_YEARS_MS = 10 * 365 * 24 * 3600 * 1000;

/**
 * Every environment variable a node reads, declared once: the loader, the
 * `--help` text and the README table (`npm run docs:config`) are made from this
 * table. Variables are read, and problems reported, in this order.
 */
export const SETTINGS = {
  nodeId: text({
    env: 'NODE_ID',
    help: "this node's unique name, the tag of its log lines",
    pattern: NODE_ID_PATTERN,
    accepts: '1-32 letters, digits, "-" or "_", starting with a letter or digit',
  }),
  host: text({
    env: 'HOST',
    help: 'interface to listen on',
    pattern: /^[A-Za-z0-9.:[\]-]+$/,
    accepts: 'a host name or IP address',
    default: '127.0.0.1',
  }),
  port: integer({ env: 'PORT', help: 'HTTP port for clients and peers', min: 1, max: 65535, default: 3000 }),
  redisUrl: url({
    env: 'REDIS_URL',
    help: 'Redis for pub/sub, membership and history',
    protocols: ['redis:', 'rediss:'],
    default: 'redis://127.0.0.1:6379',
  }),
  redisClusterNodes: text({
    env: 'REDIS_CLUSTER_NODES',
    help: 'run against this Redis Cluster (seed nodes); REDIS_URL then gives only the password, user and TLS (rediss:)',
    pattern: /^\s*[^\s,]+:\d{1,5}(\s*,\s*[^\s,]+:\d{1,5})*\s*$/,
    accepts: 'comma-separated host:port pairs',
    default: '',
    defaultText: 'unset (one Redis at REDIS_URL)',
  }),
  ackReplicas: integer({
    env: 'ACK_REPLICAS',
    help: "a message is acked once stored on this many replicas too (WAIT), so a master's failover cannot lose it",
    min: 0,
    max: 5,
    default: 0,
  }),
  ackReplicaTimeoutMs: integer({
    env: 'ACK_REPLICA_TIMEOUT_MS',
    help: 'with ACK_REPLICAS: replicas that do not confirm within this long make the send fail (the client retries)',
    min: 10,
    max: 1500,
    default: 500,
  }),
  advertiseUrl: url({
    env: 'ADVERTISE_URL',
    help:
      'where the other nodes reach this one (set it when nodes run on several machines); ' +
      'a wildcard HOST (0.0.0.0, ::) counts as 127.0.0.1',
    protocols: ['http:', 'https:'],
    originOnly: true,
    derivedDefault: {
      text: 'http://HOST:PORT',
      raw: ({ host, port }) => {
        if (typeof host !== 'string' || typeof port !== 'number') return undefined;
        // A wildcard listen address is not an address a peer can dial.
        const reachable = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
        return `http://${reachable}:${port}`;
      },
    },
  }),
  clusterSecret: text({
    env: 'CLUSTER_SECRET',
    help: 'shared by all nodes; authenticates node-to-node requests',
    pattern: /^\S{16,}$/,
    accepts: 'at least 16 characters without spaces, the same on every node',
    // No default on purpose: a guessable one would make forwarded requests forgeable.
    secret: true,
  }),
  allowedOrigins: originList({
    env: 'ALLOWED_ORIGINS',
    help: "web origins whose pages may connect, besides pages from the node's own host name",
    default: [],
    defaultText: 'none (same host only)',
  }),
  peerReplayCacheSize: integer({
    env: 'PEER_REPLAY_CACHE_SIZE',
    help: 'peer signatures remembered against replay (about 30 s each); when full, forwarded requests are refused',
    min: 1000,
    max: 10_000_000,
    default: 200_000,
  }),
  logLevel: oneOf({
    env: 'LOG_LEVEL',
    help: 'least severe level logged',
    choices: LOG_LEVELS,
    default: 'info',
  }),
  logFormat: oneOf({
    env: 'LOG_FORMAT',
    help: 'human lines, or one JSON object a line',
    choices: LOG_FORMATS,
    default: 'text',
  }),
  metricsToken: text({
    env: 'METRICS_TOKEN',
    help: 'when set, GET /metrics needs "Authorization: Bearer <token>" (nginx never serves /metrics)',
    pattern: /^\S{16,}$/,
    accepts: 'at least 16 characters without spaces',
    default: '',
    defaultText: 'unset (open on the node port)',
    secret: true,
  }),
  adminToken: text({
    env: 'ADMIN_TOKEN',
    help: 'opens /admin and /admin/api (in jwt mode a token with "admin": true does too)',
    pattern: /^\S{16,}$/,
    accepts: 'at least 16 characters without spaces',
    default: '',
    defaultText: 'unset (admin view off in guest mode)',
    secret: true,
  }),
  statsIntervalMs: integer({
    env: 'STATS_INTERVAL_MS',
    help: 'how often a node publishes its stats for /cluster and /admin (kept 3 intervals)',
    min: 100,
    max: 60_000,
    default: 2000,
  }),
  pingIntervalMs: integer({
    env: 'PING_INTERVAL_MS',
    help: 'engine.io heartbeat interval',
    min: 50,
    max: 600_000,
    default: 25_000,
  }),
  pingTimeoutMs: integer({
    env: 'PING_TIMEOUT_MS',
    help: 'engine.io heartbeat timeout',
    min: 50,
    max: 600_000,
    default: 20_000,
  }),
  pollBatchMs: integer({
    env: 'POLL_BATCH_MS',
    help: "a busy long-polling client's answer waits at most this long after its first message for more to share it (0: never)",
    min: 0,
    max: 1000,
    default: 20,
  }),
  maxPayloadBytes: integer({
    env: 'MAX_PAYLOAD_BYTES',
    help: 'largest socket.io message or HTTP body accepted',
    min: 1024,
    max: 100_000_000,
    default: 1_000_000,
  }),
  shutdownTimeoutMs: integer({
    env: 'SHUTDOWN_TIMEOUT_MS',
    help: 'after the drain, exit by force if closing takes longer',
    min: 100,
    max: 600_000,
    default: 5000,
  }),
  drainTimeoutMs: integer({
    env: 'DRAIN_TIMEOUT_MS',
    help: "on SIGTERM, wait at most this long for traffic relayed for other nodes' sessions",
    min: 0,
    max: 3_600_000,
    default: 30_000,
  }),
  heartbeatIntervalMs: integer({
    env: 'HEARTBEAT_INTERVAL_MS',
    help: 'membership heartbeat',
    min: 50,
    max: 60_000,
    default: 1000,
  }),
  memberTtlMs: integer({
    env: 'MEMBER_TTL_MS',
    help: 'a node silent this long is dropped from the ring',
    min: 100,
    max: 600_000,
    default: 3000,
  }),
  profile: oneOf({
    env: 'RINGCHAT_PROFILE',
    help: 'chat, or protocol-test for the socket.io protocol test suite',
    choices: PROFILES,
    default: 'chat',
  }),
  historyPageSize: integer({
    env: 'HISTORY_PAGE_SIZE',
    help: 'messages a client gets on join',
    min: 1,
    max: 500,
    default: 50,
  }),
  historyRetention: integer({
    env: 'HISTORY_RETENTION',
    help: 'messages kept per room',
    min: 10,
    max: 10_000_000,
    default: 1000,
  }),
  historyMaxAgeMs: integer({
    env: 'HISTORY_MAX_AGE_MS',
    help: 'also drop messages older than this (0: never)',
    min: 0,
    max: TEN_YEARS_MS,
    default: 0,
  }),
  messageMaxLength: integer({
    env: 'MESSAGE_MAX_LENGTH',
    help: 'longest message, in characters',
    min: 1,
    max: 100_000,
    default: 2000,
  }),
  ratePerSecond: integer({
    env: 'RATE_LIMIT_PER_SEC',
    help: 'events per second per connection',
    min: 1,
    max: 100_000,
    default: 20,
  }),
  rateBurst: integer({
    env: 'RATE_LIMIT_BURST',
    help: 'burst of events per connection',
    min: 1,
    max: 100_000,
    default: 40,
  }),
  messageMaxBytes: integer({
    env: 'MESSAGE_MAX_BYTES',
    help: 'longest message, in UTF-8 bytes (as well as MESSAGE_MAX_LENGTH characters)',
    min: 16,
    max: 1_000_000,
    default: 16_384,
  }),
  historyAnswerMaxMessages: integer({
    env: 'HISTORY_ANSWER_MAX_MESSAGES',
    help: 'most messages in one history page or replay; the rest follows a continuation',
    min: 1,
    max: 10_000,
    default: 200,
  }),
  historyAnswerMaxBytes: integer({
    env: 'HISTORY_ANSWER_MAX_BYTES',
    help: 'most bytes of messages in one history page or replay (at least one message is sent)',
    min: 1024,
    max: 100_000_000,
    default: 262_144,
  }),
  roomsPerConnection: integer({
    env: 'ROOMS_PER_CONNECTION',
    help: 'rooms one connection may be in at once',
    min: 1,
    max: 10_000,
    default: 50,
  }),
  roomsPageMax: integer({
    env: 'ROOMS_PAGE_MAX',
    help: 'most rooms in one page of the rooms directory',
    min: 1,
    max: 10_000,
    default: 100,
  }),
  roomListIdleMs: integer({
    env: 'ROOM_LIST_IDLE_MS',
    help: 'an empty room leaves the rooms list this long after its last activity (its history stays)',
    min: 1000,
    max: 31_536_000_000,
    default: 3_600_000,
  }),
  typingExpiryMs: integer({
    env: 'TYPING_EXPIRY_MS',
    help: 'receivers drop a typist this long after its last typing event (one goes out per 2 s at most)',
    min: 2500,
    max: 60_000,
    default: 5000,
  }),
  presenceReconcileMs: integer({
    env: 'PRESENCE_RECONCILE_MS',
    help: 'each node rewrites its share of presence from its live connections this often (and when Redis is back)',
    min: 100,
    max: 600_000,
    default: 5000,
  }),
  roomDelivery: oneOf({
    env: 'ROOM_DELIVERY',
    help: "room: a node receives a room's messages only while it has members there; broadcast: every node receives every message (the earlier design, kept to compare)",
    choices: ROOM_DELIVERIES,
    default: 'room',
  }),
  authMode: oneOf({
    env: 'AUTH_MODE',
    help: 'guest: users pick a name and get a signed guest identity; jwt: a token proves who connects',
    choices: AUTH_MODES,
    default: 'guest',
  }),
  authJwtSecret: text({
    env: 'AUTH_JWT_SECRET',
    help: 'jwt mode: the HS256 secret tokens are signed with',
    pattern: /^\S{32,}$/,
    accepts: 'at least 32 characters without spaces',
    default: '',
    defaultText: 'unset',
    secret: true,
  }),
  authJwtPublicKey: publicKey({
    env: 'AUTH_JWT_PUBLIC_KEY',
    help: 'jwt mode: the RS256/ES256 public key tokens are verified with',
    default: '',
    defaultText: 'unset',
  }),
  authJwksUrl: url({
    env: 'AUTH_JWKS_URL',
    help: "jwt mode: the identity provider's JWKS (RS256/ES256 keys by kid)",
    protocols: ['https:', 'http:'],
    default: '',
    defaultText: 'unset',
  }),
  authJwtIssuer: text({
    env: 'AUTH_JWT_ISSUER',
    help: "jwt mode: when set, a token's iss must be this",
    pattern: /^\S{1,256}$/,
    accepts: '1-256 characters without spaces',
    default: '',
    defaultText: 'unset',
  }),
  authJwtAudience: text({
    env: 'AUTH_JWT_AUDIENCE',
    help: "jwt mode: when set, a token's aud must include this",
    pattern: /^\S{1,256}$/,
    accepts: '1-256 characters without spaces',
    default: '',
    defaultText: 'unset',
  }),
};

/** The values the variables give, before a profile applies. */
export type EnvSettings = ValuesOf<typeof SETTINGS>;

/** A rule between variables, blamed on one of them. */
export interface CrossFieldRule {
  env: string;
  /** Worded to follow "must be". */
  accepts: string;
  /** What is wrong, or undefined when it holds or a value it needs was bad (reported already). */
  violation(values: Partial<EnvSettings>): string | undefined;
}

/** The rules between variables, checked once, after every variable is read. */
export const CROSS_FIELD_RULES: readonly CrossFieldRule[] = [
  {
    env: 'MEMBER_TTL_MS',
    // One late heartbeat must not drop a live node from the ring.
    accepts: 'at least twice HEARTBEAT_INTERVAL_MS',
    violation: ({ memberTtlMs: ttl, heartbeatIntervalMs: heartbeat }) =>
      ttl !== undefined && heartbeat !== undefined && ttl < 2 * heartbeat
        ? `got ${ttl} with HEARTBEAT_INTERVAL_MS ${heartbeat}`
        : undefined,
  },
  {
    env: 'AUTH_MODE',
    accepts: 'guest, or jwt with exactly one of AUTH_JWT_SECRET, AUTH_JWT_PUBLIC_KEY and AUTH_JWKS_URL',
    violation: ({ authMode, authJwtSecret, authJwtPublicKey, authJwksUrl }) => {
      const keys = [authJwtSecret, authJwtPublicKey, authJwksUrl];
      // A key that was given but bad is reported already.
      if (authMode !== 'jwt' || keys.includes(undefined)) return undefined;
      const sources = keys.filter(Boolean).length;
      return sources === 1 ? undefined : `got jwt with ${sources} key sources`;
    },
  },
];
