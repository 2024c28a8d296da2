import { describe, expect, it } from 'vitest';
import { withHandledPublishes } from './handled-publishes.js';

class FakeClient {
  status = 'ready';
  failWith?: Error;
  publish(channel: string, message: string): Promise<number> {
    return this.failWith ? Promise.reject(this.failWith) : Promise.resolve(channel.length + message.length);
  }
  setStatus(status: string): void {
    this.status = status;
  }
}

describe('withHandledPublishes', () => {
  it('hands a failed publish to onFailure, so none is left unhandled, and its caller still sees it', async () => {
    const client = new FakeClient();
    const failures: Error[] = [];
    const wrapped = withHandledPublishes(client, (error) => failures.push(error));
    client.failWith = new Error('Reached the max retries per request limit');
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown): number => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      // As the adapter does: fire and forget.
      void wrapped.publish('room', 'typing');
      await expect(wrapped.publish('room', 'awaited')).rejects.toThrow('max retries');
      await new Promise((resolve) => setTimeout(resolve, 10));
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
    expect(unhandled).toEqual([]);
    expect(failures.map((error) => error.message)).toEqual([
      'Reached the max retries per request limit',
      'Reached the max retries per request limit',
    ]);
  });

  it('passes everything else through to the client itself', async () => {
    const client = new FakeClient();
    const wrapped = withHandledPublishes(client, () => undefined);
    expect(await wrapped.publish('ab', 'c')).toBe(3);
    wrapped.setStatus('reconnecting');
    expect(client.status).toBe('reconnecting');
    expect(wrapped.status).toBe('reconnecting');
  });
});
