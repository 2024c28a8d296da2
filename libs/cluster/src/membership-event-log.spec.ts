import { afterEach, describe, expect, it, vi } from 'vitest';
import { asNodeId } from './ids.js';
import { MembershipEventLog, type MembershipEvent } from './membership-event-log.js';

const node2 = asNodeId('node2');
const node3 = asNodeId('node3');

function subject(keep?: number) {
  const seen: MembershipEvent[] = [];
  const events = new MembershipEventLog({ graceMs: 1000, keep, onEvent: (event) => seen.push(event) });
  return { events, seen, kinds: () => seen.map(({ kind, node }) => `${kind} ${node}`) };
}

describe('MembershipEventLog', () => {
  afterEach(() => vi.useRealTimers());

  it('calls a departure announced before it a graceful leave, at once', () => {
    const { events, kinds } = subject();
    events.announce(node2);
    events.departed(node2, 4);
    expect(kinds()).toEqual(['left node2']);
  });

  it('waits for an announcement that comes right after the departure', () => {
    vi.useFakeTimers();
    const { events, seen } = subject();
    events.departed(node2, 4);
    vi.advanceTimersByTime(300);
    events.announce(node2);
    vi.advanceTimersByTime(2000);
    expect(seen).toMatchObject([{ kind: 'left', node: 'node2', epoch: 4 }]);
  });

  it('calls a departure nobody announced an expiry, after the grace', () => {
    vi.useFakeTimers();
    const { events, kinds } = subject();
    events.departed(node3, 5);
    vi.advanceTimersByTime(999);
    expect(kinds()).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(kinds()).toEqual(['expired node3']);
  });

  it('forgets an announcement once the node joins again', () => {
    vi.useFakeTimers();
    const { events, kinds } = subject();
    events.announce(node2);
    events.joined(node2, 6);
    events.departed(node2, 7);
    vi.advanceTimersByTime(1000);
    expect(kinds()).toEqual(['joined node2', 'expired node2']);
  });

  it('keeps the latest events only', () => {
    const { events } = subject(2);
    events.joined(node2, 1);
    events.joined(node3, 2);
    events.announce(node2);
    events.departed(node2, 3);
    expect(events.recent().map((event) => event.epoch)).toEqual([2, 3]);
  });
});
