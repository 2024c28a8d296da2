import { describe, expect, it } from 'vitest';
import { RoomWatermarks } from './room-watermarks.js';

describe('RoomWatermarks', () => {
  it('reads from the lowest catch-up mark until a message is handed out, then from the newest one', () => {
    const marks = new RoomWatermarks();
    expect(marks.since('r')).toBeUndefined();
    marks.caughtUp('r', '1000-5');
    marks.caughtUp('r', '1000-3');
    marks.caughtUp('r', '1000-4');
    expect(marks.since('r')).toBe('1000-3');
    marks.delivered('r', '1000-6');
    marks.delivered('r', '1000-2');
    marks.caughtUp('r', '1000-1');
    expect(marks.since('r')).toBe('1000-6');
    expect(marks.since('other')).toBeUndefined();
    marks.forget('r');
    expect(marks.since('r')).toBeUndefined();
  });
});
