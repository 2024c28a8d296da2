import { describe, expect, it } from 'vitest';
import { NodeActivity, topRooms } from './node-activity.js';

function activity(options: { maxRooms?: number } = {}) {
  let now = 1_000_000;
  const subject = new NodeActivity({
    rateWindowMs: 10_000,
    roomWindowMs: 60_000,
    now: () => now,
    ...options,
  });
  return { subject, advance: (ms: number) => (now += ms) };
}

describe('NodeActivity', () => {
  it('reports message and delivery rates over the window, duplicates left out', () => {
    const { subject, advance } = activity();
    subject.snapshot();
    for (let i = 0; i < 20; i++) subject.stored('lobby', false);
    subject.stored('lobby', true);
    subject.delivered('lobby', 30);
    advance(5000);
    expect(subject.snapshot()).toMatchObject({ messagesPerSec: 4, deliveriesPerSec: 6 });
    advance(10_000);
    subject.snapshot();
    advance(10_000);
    expect(subject.snapshot()).toMatchObject({ messagesPerSec: 0, deliveriesPerSec: 0 });
  });

  it('ranks rooms by messages over the last minute and forgets older ones', () => {
    const { subject, advance } = activity();
    subject.stored('quiet', false);
    subject.stored('busy', false);
    subject.stored('busy', false);
    expect(subject.snapshot().rooms.map(({ room, messages }) => `${room}:${messages}`)).toEqual([
      'busy:2',
      'quiet:1',
    ]);
    advance(30_000);
    subject.stored('quiet', false);
    expect(subject.snapshot().rooms.map(({ room }) => room)).toEqual(['busy', 'quiet']);
    advance(30_000);
    expect(subject.snapshot().rooms.map(({ room, messages }) => `${room}:${messages}`)).toEqual(['quiet:1']);
    advance(60_000);
    expect(subject.snapshot().rooms).toEqual([]);
  });

  it('tracks a bounded number of rooms', () => {
    const { subject } = activity({ maxRooms: 2 });
    for (const room of ['a', 'b', 'c']) subject.stored(room, false);
    expect(subject.snapshot()).toMatchObject({ rooms: [{ room: 'a' }, { room: 'b' }] });
  });
});

describe('topRooms', () => {
  it('sums the same room across nodes', () => {
    const ranked = topRooms(
      [
        [{ room: 'x', messages: 1, deliveries: 3 }],
        [
          { room: 'x', messages: 2, deliveries: 1 },
          { room: 'y', messages: 2, deliveries: 9 },
        ],
      ],
      5,
    );
    expect(ranked).toEqual([
      { room: 'x', messages: 3, deliveries: 4 },
      { room: 'y', messages: 2, deliveries: 9 },
    ]);
  });
});
