import { Cluster, Redis, type RedisOptions } from 'ioredis';
import { LogThrottle, type Log } from '@app/logging';
import { bounded } from './bounded.js';
import { PubSubChannels } from './pubsub-channels.js';
import { redactedUrl } from './redacted-url.js';
import { dataServers, type RedisClient } from './redis-client.js';
import { parseMemoryInfo, refusesWrites } from './redis-memory.js';
import { REDIS_DEFAULTS, type RedisConnectionsOptions } from './redis-options.js';

type Role = 'command' | 'pub' | 'sub' | 'events';

/** Redis's answers to a wrong or missing password. */
const REFUSED_CREDENTIALS = /^(WRONGPASS|NOAUTH)\b/;

/**
 * The node's Redis connections: commands, the socket.io adapter's publisher and
 * subscriber, and `events`, the subscriber shared by the cluster (membership and
 * pin channels) and the chat fan-out (the stored-message channel); each listener
 * ignores the others' channels. A subscribed connection can run nothing else,
 * hence four. Owns and closes them.
 *
 * Against a Redis Cluster (`clusterSeeds`) each is an ioredis cluster client,
 * which sends every command to its key's slot and follows failovers; the
 * subscribers subscribe sharded (one connection per master), and `sharded`
 * tells publishers to do the same.
 */
export class RedisConnections {
  readonly command: RedisClient;
  readonly pub: RedisClient;
  readonly sub: RedisClient;
  readonly events: RedisClient;
  /** Redis Cluster: channels are sharded (SPUBLISH/SSUBSCRIBE). */
  readonly sharded: boolean;
  /** Membership, pins and other events: publish on `command`, listen on `events`. */
  readonly eventChannels: PubSubChannels;
  // A Redis outage emits an error per retry; one line per role per 5 s is enough.
  private readonly errorLogThrottle = new LogThrottle();

  constructor(
    private readonly options: RedisConnectionsOptions,
    private readonly log: Log,
  ) {
    this.sharded = options.clusterSeeds !== undefined;
    this.command = this.connect('command');
    this.pub = this.connect('pub');
    this.sub = this.connect('sub');
    this.events = this.connect('events');
    this.eventChannels = new PubSubChannels(this.command, this.events, this.sharded);
  }

  private all(): RedisClient[] {
    return [this.command, this.pub, this.sub, this.events];
  }

  /**
   * Every connection is connected and usable right now: the `events` subscriber
   * too, since a node whose subscriber is still reconnecting after an outage
   * receives no room's messages yet.
   */
  isReady(): boolean {
    return this.all().every((client) => client.status === 'ready');
  }

  /** Round trip to Redis, bounded: used by readiness checks. */
  async ping(timeoutMs = 1000): Promise<boolean> {
    if (this.command.status !== 'ready') return false;
    const answer = await bounded(this.command.ping(), timeoutMs);
    return answer === 'PONG';
  }

  /**
   * Redis is at its `maxmemory` and refuses writes (see refusesWrites); false when
   * it accepts them or does not answer within `timeoutMs`. Used by readiness checks.
   */
  async storeFull(timeoutMs = 1000): Promise<boolean> {
    if (this.command.status !== 'ready') return false;
    // A cluster is full when any master is: the rooms in its slots can no longer write.
    const infos = await Promise.all(
      dataServers(this.command).map((server) => bounded(server.info('memory'), timeoutMs)),
    );
    return infos.some((info) => info !== undefined && refusesWrites(parseMemoryInfo(info)));
  }

  /**
   * Proves within `timeoutMs` that each subscriber connection carries Redis's
   * answers now, and reconnects any that does not; resolves to the roles
   * reconnected. Meant for after a cut-off: a connection that survived one
   * (nothing closed it) may still owe everything Redis sent during the cut,
   * and Redis resends that only on its TCP retransmission back-off, tens of
   * seconds late after a long cut. A PING answers after whatever was queued
   * before it, so its answer proves the connection current; a reconnect
   * subscribes again, and listeners of `ChannelSubscriber.onReconnect` read
   * what was published meanwhile. Standalone Redis only: a cluster client's
   * PING does not travel on its sharded subscriber connections.
   */
  async refreshStaleSubscribers(timeoutMs = 1000): Promise<Array<'sub' | 'events'>> {
    const subscribers = [
      ['sub', this.sub],
      ['events', this.events],
    ] as const;
    const stale = await Promise.all(
      subscribers.map(async ([role, client]) => {
        if (!(client instanceof Redis) || client.status !== 'ready') return undefined;
        if ((await bounded(client.ping(), timeoutMs)) !== undefined) return undefined;
        this.log.warn(`${role} connection did not answer a PING within ${timeoutMs} ms; reconnecting it`);
        client.disconnect(true);
        return role;
      }),
    );
    return stale.filter((role) => role !== undefined);
  }

  /** Polite QUIT on each connection, then a hard disconnect for any that hang. */
  async close(): Promise<void> {
    await Promise.all(
      this.all().map(async (client) => {
        try {
          await Promise.race([client.quit(), delay(1000)]);
        } catch {
          // Already closed or never connected: nothing to say goodbye to.
        }
        client.disconnect(false);
      }),
    );
  }

  private connect(role: Role): RedisClient {
    const maxDelay = this.options.maxReconnectDelayMs ?? REDIS_DEFAULTS.maxReconnectDelayMs;
    const retryStrategy = (attempt: number): number => Math.min(50 * 2 ** attempt, maxDelay);
    const common = {
      connectionName: `${this.options.clientName ?? REDIS_DEFAULTS.clientName}:${role}`,
      connectTimeout: this.options.connectTimeoutMs ?? REDIS_DEFAULTS.connectTimeoutMs,
      // Fail commands quickly while Redis is away instead of queueing them forever:
      // a command waits at most 3 reconnect attempts, or the command timeout.
      maxRetriesPerRequest: 2,
      // Only on the command connection: subscribers wait on purpose.
      ...(role === 'command'
        ? { commandTimeout: this.options.commandTimeoutMs ?? REDIS_DEFAULTS.commandTimeoutMs }
        : {}),
    } satisfies RedisOptions;
    const seeds = this.options.clusterSeeds;
    const client: RedisClient = seeds
      ? new Cluster(seeds, {
          clusterRetryStrategy: retryStrategy,
          // Subscribers of a cluster subscribe sharded: one connection per master.
          shardedSubscribers: role === 'sub' || role === 'events',
          slotsRefreshInterval: this.options.slotsRefreshIntervalMs ?? REDIS_DEFAULTS.slotsRefreshIntervalMs,
          redisOptions: { ...common, ...credentialsOf(this.options.url) },
          lazyConnect: false,
        })
      : new Redis(this.options.url, { ...common, retryStrategy, lazyConnect: false });
    const where = seeds
      ? `Redis Cluster, seeds ${seeds[0].host}:${seeds[0].port}${seeds.length > 1 ? ` and ${seeds.length - 1} more` : ''}`
      : redactedUrl(this.options.url);
    client.on('ready', () => this.log.info(`${role} connection ready (${where})`));
    client.on('error', (error: Error) => {
      hidePassword(error);
      if (!this.errorLogThrottle.allow(role)) return;
      if (REFUSED_CREDENTIALS.test(error.message)) {
        this.log.error(
          `${role} connection to ${where}: Redis refused the credentials; ` +
            `check the password in REDIS_URL (${error.message})`,
        );
        return;
      }
      this.log.warn(`${role} connection to ${where}: ${error.message}; retrying`);
    });
    return client;
  }
}

/**
 * ioredis attaches the failed command to its error, and the handshake's HELLO
 * carries AUTH and the password: blanked in place, since the same error object
 * also rejects the commands that were waiting, and whatever prints one of those
 * (an unhandled rejection, say) would print the password.
 */
function hidePassword(error: Error): void {
  const { command } = error as Error & { command?: { name?: string; args?: unknown[] } };
  if (!command?.args || !['hello', 'auth'].includes(String(command.name).toLowerCase())) return;
  command.args = command.args.map((arg, i) => (i === 0 && command.name !== 'auth' ? arg : '***'));
}

/** What a cluster node connection takes from the URL: user, password, and TLS for `rediss:`. */
function credentialsOf(url: string): Pick<RedisOptions, 'username' | 'password' | 'tls'> {
  const parsed = new URL(url);
  return {
    ...(parsed.username ? { username: decodeURIComponent(parsed.username) } : {}),
    ...(parsed.password ? { password: decodeURIComponent(parsed.password) } : {}),
    ...(parsed.protocol === 'rediss:' ? { tls: {} } : {}),
  };
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
