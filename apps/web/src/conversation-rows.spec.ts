import type { ChatMessageEvent } from '@app/chat-protocol';
import { describe, expect, it } from 'vitest';
import {
  GROUP_WINDOW_MS,
  mergeByTime,
  placeEntry,
  type PresenceLine,
  type RowsTail,
} from './conversation-rows.js';

const MINUTE = 60_000;
const day1 = new Date(2026, 11, 2, 23, 50).getTime();

function message(id: number, userId: string, ts: number): ChatMessageEvent {
  return {
    id: `${ts}-${id}`,
    room: 'r',
    user: userId,
    userId,
    guest: true,
    message: `m${id}`,
    ts,
    node: 'n',
  };
}

function layout(messages: ChatMessageEvent[], lines: PresenceLine[] = []): string[] {
  const tail: RowsTail = {};
  return mergeByTime(messages, lines)
    .flatMap((entry) => placeEntry(tail, entry))
    .map((row) =>
      row.kind === 'day'
        ? 'day'
        : row.kind === 'presence'
          ? `${row.line.user} ${row.line.kind}`
          : `${row.message.message}${row.continued ? ' +' : ''}`,
    );
}

describe('conversation rows', () => {
  it("groups one author's messages within the window, and starts again on a new day", () => {
    const rows = layout([
      message(1, 'a', day1),
      message(2, 'a', day1 + MINUTE),
      message(3, 'b', day1 + 2 * MINUTE),
      message(4, 'b', day1 + 2 * MINUTE + GROUP_WINDOW_MS),
      message(5, 'b', day1 + 12 * MINUTE),
    ]);
    expect(rows).toEqual(['day', 'm1', 'm2 +', 'm3', 'm4', 'day', 'm5']);
  });

  it('puts join and leave lines in time order, and a line breaks a run', () => {
    const line: PresenceLine = { kind: 'joined', user: 'c', userId: 'c', guest: true, ts: day1 + 30_000 };
    expect(layout([message(1, 'a', day1), message(2, 'a', day1 + MINUTE)], [line])).toEqual([
      'day',
      'm1',
      'c joined',
      'm2',
    ]);
  });
});
