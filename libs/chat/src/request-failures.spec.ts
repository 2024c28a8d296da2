import { ErrorCode } from '@app/chat-protocol';
import { RecordingLog } from '@app/logging';
import { describe, expect, it } from 'vitest';
import { RequestFailures } from './request-failures.js';

describe('RequestFailures', () => {
  it('answers a request that met no Redis with the retryable "unavailable"', () => {
    const log = new RecordingLog();
    const refusal = new RequestFailures().refusalFor(
      'chat message',
      'ann',
      new Error('Command timed out'),
      log,
    );
    expect(refusal).toEqual({ error: 'chat storage unavailable, retrying', code: ErrorCode.Unavailable });
    expect(log.at('warn')).toHaveLength(1);
  });

  it('answers a write refused by a full Redis with "store_full"', () => {
    const oom = new Error(
      "OOM command not allowed when used memory > 'maxmemory'. script: 1a, on @user_script:9.",
    );
    const refusal = new RequestFailures().refusalFor('chat message', 'ann', oom, new RecordingLog());
    expect(refusal.code).toBe(ErrorCode.StoreFull);
    expect(refusal.error).toMatch(/full/);
  });

  it('answers a bug with "internal", not with something a retry would mend, and logs its stack', () => {
    const log = new RecordingLog();
    const bug = new TypeError("Cannot read properties of undefined (reading 'has')");
    expect(new RequestFailures().refusalFor('history', 'ann', bug, log)).toEqual({
      error: 'internal error',
      code: ErrorCode.Internal,
    });
    expect(log.at('error')[0]).toMatch(/^history from ann failed: TypeError: Cannot read/);
  });

  it('logs one line per kind of Redis failure per 5 s, however many requests fail', () => {
    const log = new RecordingLog();
    const failures = new RequestFailures();
    for (let i = 0; i < 50; i++)
      failures.refusalFor('chat message', 'ann', new Error('Connection is closed.'), log);
    expect(log.at('warn')).toHaveLength(1);
  });
});
