import { definedFields, type LogFields } from './log-fields.js';
import type { LogFormat, LogLevel } from './log-level.js';

/** One log record: the fields both formats carry. */
export interface LogRecord {
  node: string;
  time: Date;
  level: LogLevel;
  context: string;
  message: string;
  /** What the line is about (sid, user, room, …): keys of a JSON line; text lines show the message only. */
  fields?: LogFields;
}

/** Keys of a JSON line that fields may not overwrite. */
const RECORD_KEYS = new Set(['node', 'time', 'level', 'context', 'message']);

/**
 * Renders a record as one line (no trailing newline). Text lines start with the
 * node tag so that `grep '\[node2\]'` over merged logs follows one node, then the
 * ISO time in UTC, so that lines of several days and nodes sort and merge by time.
 */
export function formatLogLine(record: LogRecord, format: LogFormat): string {
  if (format === 'json') {
    const fields = definedFields(record.fields);
    for (const key of RECORD_KEYS) delete fields[key];
    return JSON.stringify({
      node: record.node,
      time: record.time.toISOString(),
      level: record.level,
      context: record.context,
      message: record.message,
      ...fields,
    });
  }
  const level = record.level.toUpperCase().padEnd(5);
  // A message must not break the one-record-per-line rule.
  const message = record.message.replace(/\r?\n/g, '\\n');
  return `[${record.node}] ${record.time.toISOString()} ${level} ${record.context} - ${message}`;
}
