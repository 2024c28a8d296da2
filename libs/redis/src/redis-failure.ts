/**
 * Why a Redis command failed, as far as a caller can act on it:
 * - `unreachable`: Redis is down, restarting, or did not answer in time; the same
 *   command may well succeed in a moment (nothing to fix but waiting).
 * - `full`: Redis is at its `maxmemory` under `noeviction` and refuses writes;
 *   it stays so until an operator frees memory.
 * Anything else (a wrong argument, a script error, a bug of ours) is neither.
 */
export type RedisFailure = 'unreachable' | 'full';

/** Error names ioredis gives a command it dropped because the connection was lost. */
const CONNECTION_LOST_NAMES = new Set(['MaxRetriesPerRequestError', 'AbortError', 'ClusterAllFailedError']);

/**
 * Messages ioredis rejects a command with while it has no usable connection;
 * the cluster client's too, while a failover moves slots.
 */
const CONNECTION_LOST_MESSAGES = [
  'Connection is closed.',
  'Command timed out',
  "Stream isn't writeable",
  'Too many Cluster redirections',
  'Cluster is disconnected',
  "Cluster isn't ready",
  'Node is disconnected',
  'None of startup nodes is available',
];

/** Socket errors that a command can carry when the connection breaks under it. */
const SOCKET_ERROR_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH']);

/**
 * Replies of a Redis that is there but cannot serve yet: loading its data after a
 * restart, busy with a long script, a replica cut off from its primary, a failover,
 * replicas that did not confirm a write in time.
 */
const TRANSIENT_REPLY_PREFIXES = [
  'LOADING ',
  'BUSY ',
  'MASTERDOWN ',
  'READONLY ',
  'TRYAGAIN ',
  'CLUSTERDOWN ',
  // Fewer replicas confirmed a write than asked (WAIT, or min-replicas-to-write).
  'NOREPLICAS ',
  // A Redis Cluster moved the slot (a failover) under a pipeline the client does not redirect.
  'MOVED ',
  'ASK ',
];

/** Classifies an error thrown by an ioredis command; undefined when Redis is not to blame. */
export function redisFailureOf(error: unknown): RedisFailure | undefined {
  if (!(error instanceof Error)) return undefined;
  const { message, name } = error;
  // Inside a script the reply gains a suffix ("... script: <sha>, on @user_script:1.").
  if (message.startsWith('OOM ')) return 'full';
  if (CONNECTION_LOST_NAMES.has(name)) return 'unreachable';
  if (CONNECTION_LOST_MESSAGES.some((text) => message.startsWith(text))) return 'unreachable';
  const code = (error as NodeJS.ErrnoException).code;
  if (code !== undefined && SOCKET_ERROR_CODES.has(code)) return 'unreachable';
  if (TRANSIENT_REPLY_PREFIXES.some((prefix) => message.startsWith(prefix))) return 'unreachable';
  return undefined;
}
