import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { TypingTracker } from './typing-tracker.js';

const bob = { user: 'bob', userId: 'g_bob', guest: true };

describe('TypingTracker', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('shows a typist until its time runs out without a refresh', () => {
    const changes: string[] = [];
    const tracker = new TypingTracker((room) => changes.push(room));
    tracker.onTyping({ room: 'r', ...bob, expiresInMs: 3000 });
    vi.advanceTimersByTime(2000);
    tracker.onTyping({ room: 'r', ...bob, expiresInMs: 3000 });
    vi.advanceTimersByTime(2500);
    expect(tracker.typists('r')).toEqual([bob]);
    vi.advanceTimersByTime(600);
    expect(tracker.typists('r')).toEqual([]);
    expect(changes).toEqual(['r', 'r']);
  });

  it('drops a typist at once when it stops, and forgets everything on clear', () => {
    const tracker = new TypingTracker(() => undefined);
    tracker.onTyping({ room: 'r', ...bob, expiresInMs: 3000 });
    tracker.onTyping({ room: 'r', ...bob, stopped: true, expiresInMs: 3000 });
    expect(tracker.typists('r')).toEqual([]);
    tracker.onTyping({ room: 's', ...bob, expiresInMs: 3000 });
    tracker.clear();
    expect(tracker.typists('s')).toEqual([]);
    expect(vi.getTimerCount()).toBe(0);
  });
});
