import type { LogFormat, LogLevel } from './log-level.js';

/** One log record: the fields both formats carry. */
export interface LogRecord {
  node: string;
  time: Date;
  level: LogLevel;
  context: string;
  message: string;
}

function pad(value: number, width = 2): string {
  return String(value).padStart(width, '0');
}

/** `18:02:11.532` in local time: short enough to scan, precise enough to order. */
function clockTime(time: Date): string {
  return `${pad(time.getHours())}:${pad(time.getMinutes())}:${pad(time.getSeconds())}.${pad(time.getMilliseconds(), 3)}`;
}

/**
 * Renders a record as one line (no trailing newline). Text lines start with the
 * node tag so that `grep '\[node2\]'` over merged logs follows one node.
 */
export function formatLogLine(record: LogRecord, format: LogFormat): string {
  if (format === 'json') {
    return JSON.stringify({
      node: record.node,
      time: record.time.toISOString(),
      level: record.level,
      context: record.context,
      message: record.message,
    });
  }
  const level = record.level.toUpperCase().padEnd(5);
  // A message must not break the one-record-per-line rule.
  const message = record.message.replace(/\r?\n/g, '\\n');
  return `[${record.node}] ${clockTime(record.time)} ${level} ${record.context} - ${message}`;
}
