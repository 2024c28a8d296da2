import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { TokenDeadline } from './token-deadline.js';

describe('TokenDeadline', () => {
  let events: string[];
  let deadline: TokenDeadline;

  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(1_000_000);
    events = [];
    deadline = new TokenDeadline({
      onWarn: () => events.push(`warn@${Date.now()}`),
      onExpire: () => events.push(`expire@${Date.now()}`),
    });
  });

  afterEach(() => {
    deadline.clear();
    vi.useRealTimers();
  });

  it('warns a minute ahead of a long-lived token, then expires it', () => {
    deadline.schedule(1_000_000 + 3_600_000);
    vi.advanceTimersByTime(3_600_000);
    expect(events).toEqual(['warn@4540000', 'expire@4600000']);
  });

  it('warns a short-lived token at half its remaining life', () => {
    deadline.schedule(1_000_000 + 3_000);
    vi.advanceTimersByTime(3_000);
    expect(events).toEqual(['warn@1001500', 'expire@1003000']);
  });

  it('moves both timers on a refresh', () => {
    deadline.schedule(1_000_000 + 3_000);
    vi.advanceTimersByTime(1_600);
    deadline.schedule(Date.now() + 10_000);
    vi.advanceTimersByTime(10_000);
    expect(events).toEqual(['warn@1001500', 'warn@1006600', 'expire@1011600']);
  });

  it('expires at once a token that has already expired', () => {
    deadline.schedule(999_000);
    vi.advanceTimersByTime(0);
    expect(events).toEqual(['expire@1000000']);
  });

  it('holds a token valid for longer than setTimeout can wait', () => {
    const sixtyDays = 60 * 24 * 3_600_000;
    deadline.schedule(1_000_000 + sixtyDays);
    vi.advanceTimersByTime(30 * 24 * 3_600_000);
    expect(events).toEqual([]);
    vi.advanceTimersByTime(30 * 24 * 3_600_000);
    expect(events).toEqual([`warn@${1_000_000 + sixtyDays - 60_000}`, `expire@${1_000_000 + sixtyDays}`]);
  });

  it('stays silent once cleared', () => {
    deadline.schedule(1_000_000 + 3_000);
    deadline.clear();
    vi.advanceTimersByTime(5_000);
    expect(events).toEqual([]);
  });
});
