import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ActivityBatch } from './activity-batch.js';

describe('ActivityBatch', () => {
  let clock = 0;
  let writes: Array<Array<[string, number]>>;
  let batch: ActivityBatch;

  beforeEach(() => {
    vi.useFakeTimers();
    clock = 10_000;
    writes = [];
    batch = new ActivityBatch(
      async (entries) => {
        writes.push(entries);
      },
      { windowMs: 1000, onError: () => undefined, now: () => clock },
    );
  });
  afterEach(() => vi.useRealTimers());

  const advance = (ms: number): void => {
    clock += ms;
    vi.advanceTimersByTime(ms);
  };

  it('writes a room’s first activity at once', () => {
    batch.note('a');
    batch.note('b');
    expect(writes).toEqual([[['a', 10_000]], [['b', 10_000]]]);
  });

  it('writes later activity within the window once, with its latest time, for every room in one batch', () => {
    batch.note('a');
    batch.note('b');
    writes = [];
    advance(100);
    batch.note('a');
    advance(100);
    batch.note('b');
    batch.note('a');
    expect(writes).toEqual([]);
    advance(800);
    expect(writes).toEqual([
      [
        ['a', 10_200],
        ['b', 10_200],
      ],
    ]);
  });

  it('writes at once again once a window has passed since the last write', () => {
    batch.note('a');
    advance(1000);
    batch.note('a');
    expect(writes).toEqual([[['a', 10_000]], [['a', 11_000]]]);
  });

  it('flush writes what is pending and nothing twice', () => {
    batch.note('a');
    batch.note('a');
    batch.flush();
    batch.flush();
    advance(2000);
    expect(writes).toEqual([[['a', 10_000]], [['a', 10_000]]]);
  });

  it('hands a failed write to onError', async () => {
    const errors: Error[] = [];
    const failing = new ActivityBatch(() => Promise.reject(new Error('down')), {
      onError: (error) => errors.push(error),
      now: () => clock,
    });
    failing.note('a');
    await vi.waitFor(() => expect(errors.map((e) => e.message)).toEqual(['down']));
  });
});
