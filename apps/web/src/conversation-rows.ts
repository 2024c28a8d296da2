import type { ChatMessageEvent, Participant } from '@app/chat-protocol';
import { dayKey } from './time-format.js';

/** Someone joined or left, as seen live (not stored: only while the page is open). */
export interface PresenceLine extends Participant {
  kind: 'joined' | 'left';
  ts: number;
}

export type ConversationEntry =
  { type: 'message'; message: ChatMessageEvent } | { type: 'presence'; line: PresenceLine };

export type ConversationRow =
  | { kind: 'day'; ts: number }
  | { kind: 'message'; message: ChatMessageEvent; continued: boolean }
  | { kind: 'presence'; line: PresenceLine };

/** Messages of one author this close together share one header. @default 5 minutes */
export const GROUP_WINDOW_MS = 5 * 60_000;

/** What the rows drawn so far end with: enough to place the next entry. */
export interface RowsTail {
  day?: string;
  author?: string;
  ts?: number;
}

/** The rows one more entry adds after `tail` (a day separator first on a new day); updates `tail`. */
export function placeEntry(tail: RowsTail, entry: ConversationEntry): ConversationRow[] {
  const ts = entry.type === 'message' ? entry.message.ts : entry.line.ts;
  const rows: ConversationRow[] = [];
  const day = dayKey(ts);
  if (day !== tail.day) {
    rows.push({ kind: 'day', ts });
    tail.day = day;
    tail.author = undefined;
  }
  if (entry.type === 'presence') {
    rows.push({ kind: 'presence', line: entry.line });
    tail.author = undefined;
    return rows;
  }
  const { message } = entry;
  const author = message.userId || `name:${message.user}`;
  const continued = tail.author === author && tail.ts !== undefined && ts - tail.ts < GROUP_WINDOW_MS;
  rows.push({ kind: 'message', message, continued });
  tail.author = author;
  tail.ts = ts;
  return rows;
}

/** Messages (in stream order) and presence lines interleaved by time, a message first on a tie. */
export function mergeByTime(messages: ChatMessageEvent[], lines: PresenceLine[]): ConversationEntry[] {
  const entries: ConversationEntry[] = [];
  let next = 0;
  for (const message of messages) {
    while (next < lines.length && lines[next].ts < message.ts)
      entries.push({ type: 'presence', line: lines[next++] });
    entries.push({ type: 'message', message });
  }
  for (; next < lines.length; next++) entries.push({ type: 'presence', line: lines[next] });
  return entries;
}
