import { describe, expect, it } from 'vitest';
import { redisFailureOf } from './redis-failure.js';

function named(name: string, message: string): Error {
  const error = new Error(message);
  error.name = name;
  return error;
}

describe('redisFailureOf', () => {
  it('calls a refused write of a full Redis "full", from a command or from inside a script', () => {
    const plain = "OOM command not allowed when used memory > 'maxmemory'.";
    expect(redisFailureOf(named('ReplyError', plain))).toBe('full');
    expect(redisFailureOf(named('ReplyError', `${plain} script: 1a2b, on @user_script:9.`))).toBe('full');
  });

  it('calls what ioredis says while the connection is down "unreachable"', () => {
    const maxRetries =
      'Reached the max retries per request limit (which is 2). Refer to "maxRetriesPerRequest" option for details.';
    expect(redisFailureOf(named('MaxRetriesPerRequestError', maxRetries))).toBe('unreachable');
    expect(redisFailureOf(new Error('Connection is closed.'))).toBe('unreachable');
    expect(redisFailureOf(new Error('Command timed out'))).toBe('unreachable');
    expect(redisFailureOf(new Error("Stream isn't writeable and enableOfflineQueue options is false"))).toBe(
      'unreachable',
    );
    expect(redisFailureOf(named('ClusterAllFailedError', 'Failed to refresh slots cache.'))).toBe(
      'unreachable',
    );
    expect(
      redisFailureOf(new Error('Too many Cluster redirections. Last error: Error: Connection is closed.')),
    ).toBe('unreachable');
    const reset = Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });
    expect(redisFailureOf(reset)).toBe('unreachable');
  });

  it('calls a Redis that is loading its data or failing over "unreachable"', () => {
    expect(redisFailureOf(named('ReplyError', 'LOADING Redis is loading the dataset in memory'))).toBe(
      'unreachable',
    );
    expect(redisFailureOf(named('ReplyError', "READONLY You can't write against a read only replica."))).toBe(
      'unreachable',
    );
    expect(redisFailureOf(named('ReplyError', 'MOVED 5585 127.0.0.1:7001'))).toBe('unreachable');
    expect(redisFailureOf(new Error('NOREPLICAS 0 of 1 replicas confirmed the write within 500 ms'))).toBe(
      'unreachable',
    );
  });

  it('blames no Redis for a bug or a bad command', () => {
    expect(redisFailureOf(new TypeError("Cannot read properties of undefined (reading 'has')"))).toBe(
      undefined,
    );
    expect(redisFailureOf(named('ReplyError', 'ERR wrong number of arguments for command'))).toBe(undefined);
    expect(redisFailureOf(named('ReplyError', 'WRONGTYPE Operation against a key'))).toBe(undefined);
    expect(redisFailureOf('Connection is closed.')).toBe(undefined);
  });
});
