export interface RedisConnectionsOptions {
  /** Redis to connect to, `redis://[:password@]host:port[/db]` or `rediss://`. */
  url: string;
  /** Name shown by `CLIENT LIST`, handy when several nodes share one Redis. @default 'ringchat' */
  clientName?: string;
  /** Give up a connection attempt after this long. @default 3000 */
  connectTimeoutMs?: number;
  /** Longest pause between reconnect attempts. @default 2000 */
  maxReconnectDelayMs?: number;
  /**
   * A command on the command connection without an answer after this long fails
   * (a paused or cut-off Redis would otherwise hold it forever). Below the client
   * helper's ack timeout (5 s), so a refused send reaches the client as a refusal.
   * @default 2000
   */
  commandTimeoutMs?: number;
}

export const REDIS_DEFAULTS = {
  clientName: 'ringchat',
  connectTimeoutMs: 3000,
  maxReconnectDelayMs: 2000,
  commandTimeoutMs: 2000,
} as const;
