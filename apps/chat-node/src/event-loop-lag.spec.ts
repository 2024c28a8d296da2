import { describe, expect, it } from 'vitest';
import { EventLoopLag } from './event-loop-lag.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('EventLoopLag', () => {
  it('reports a blocked loop as lateness beyond the timer resolution', async () => {
    const lag = new EventLoopLag().start();
    try {
      await sleep(100);
      const blockedUntil = Date.now() + 150;
      while (Date.now() < blockedUntil);
      await sleep(60);
      const { maxMs, p99Ms } = lag.report();
      expect(maxMs).toBeGreaterThanOrEqual(100);
      expect(maxMs).toBeLessThan(1000);
      expect(p99Ms).toBeLessThanOrEqual(maxMs);
    } finally {
      lag.stop();
    }
  });
});
