import { createHash } from 'node:crypto';
import type { ChainableCommander } from 'ioredis';
import type { RedisClient } from './redis-client.js';

/**
 * A Lua script run by its SHA1 (EVALSHA), so a hot path sends a few dozen bytes
 * instead of the script's text. Redis forgets scripts on restart: on NOSCRIPT the
 * text is sent once with EVAL, which loads it again.
 */
export class LuaScript {
  private readonly sha: string;

  constructor(private readonly source: string) {
    this.sha = createHash('sha1').update(source).digest('hex');
  }

  async run<T>(redis: RedisClient, keys: string[], args: Array<string | number>): Promise<T> {
    try {
      return (await redis.evalsha(this.sha, keys.length, ...keys, ...args)) as T;
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
      return (await redis.eval(this.source, keys.length, ...keys, ...args)) as T;
    }
  }

  /**
   * Runs the script, then `after` (keyless commands such as WAIT) in one
   * pipeline: on a cluster too, both go to the server of the script's keys on
   * one connection, in this order. Returns the script's answer and the last
   * answer of `after`.
   */
  async runFollowedBy<T, U>(
    redis: RedisClient,
    keys: string[],
    args: Array<string | number>,
    after: (pipeline: ChainableCommander) => void,
  ): Promise<[T, U]> {
    const send = async (withSource: boolean) => {
      const pipeline = redis.pipeline();
      if (withSource) pipeline.eval(this.source, keys.length, ...keys, ...args);
      else pipeline.evalsha(this.sha, keys.length, ...keys, ...args);
      after(pipeline);
      return (await pipeline.exec()) ?? [];
    };
    let results = await send(false);
    if (results[0]?.[0]?.message.startsWith('NOSCRIPT')) results = await send(true);
    const failed = results.find(([error]) => error);
    if (failed?.[0]) throw failed[0];
    return [results[0][1] as T, results.at(-1)?.[1] as U];
  }
}
