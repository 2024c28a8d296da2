import { afterEach, describe, expect, it } from 'vitest';
import { bounded } from './bounded.js';

describe('bounded', () => {
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
  afterEach(() => {
    process.off('unhandledRejection', onUnhandled);
    unhandled.length = 0;
  });

  it('gives the value of a promise that settles in time', async () => {
    expect(await bounded(Promise.resolve('PONG'), 100)).toBe('PONG');
  });

  it('gives undefined for a promise that fails', async () => {
    expect(await bounded(Promise.reject(new Error('Connection is closed.')), 100)).toBeUndefined();
  });

  it('gives undefined after the timeout, and a failure after it stays handled', async () => {
    process.on('unhandledRejection', onUnhandled);
    let fail: (error: Error) => void = () => undefined;
    const late = new Promise<string>((_, reject) => (fail = reject));
    expect(await bounded(late, 10)).toBeUndefined();
    fail(new Error('Connection is closed.'));
    // Unhandled rejections are reported after the microtask queue drains.
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(unhandled).toEqual([]);
  });
});
