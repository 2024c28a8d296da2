import { describe, expect, it } from 'vitest';
import { LogThrottle } from './log-throttle.js';

function throttle(intervalMs?: number) {
  let now = 1_000_000;
  const subject = new LogThrottle(intervalMs, () => now);
  return { subject, advance: (ms: number) => (now += ms) };
}

describe('LogThrottle', () => {
  it('lets the first line through, then one per 5 s by default', () => {
    const { subject, advance } = throttle();
    expect(subject.allow()).toBe(true);
    advance(4999);
    expect(subject.allow()).toBe(false);
    advance(1);
    expect(subject.allow()).toBe(true);
    expect(subject.allow()).toBe(false);
  });

  it('counts the interval from the last line let through, not the last one refused', () => {
    const { subject, advance } = throttle(1000);
    expect(subject.allow()).toBe(true);
    advance(600);
    expect(subject.allow()).toBe(false);
    advance(600);
    expect(subject.allow()).toBe(true);
  });

  it('keeps one interval per key', () => {
    const { subject, advance } = throttle(1000);
    expect(subject.allow('pub')).toBe(true);
    expect(subject.allow('sub')).toBe(true);
    expect(subject.allow('pub')).toBe(false);
    advance(1000);
    expect(subject.allow('sub')).toBe(true);
  });
});
