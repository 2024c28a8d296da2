import type { LogFields } from './log-fields.js';
import type { LogLevel } from './log-level.js';
import type { Log } from './tagged-logger.js';

/** A `Log` that keeps what it is told, for specs that check what a class logs. */
export class RecordingLog implements Log {
  readonly lines: Array<{ level: LogLevel; message: string; fields?: LogFields }> = [];

  /** The messages logged at `level`, oldest first. */
  at(level: LogLevel): string[] {
    return this.lines.filter((line) => line.level === level).map((line) => line.message);
  }

  error(message: string, fields?: LogFields): void {
    this.lines.push({ level: 'error', message, fields });
  }
  warn(message: string, fields?: LogFields): void {
    this.lines.push({ level: 'warn', message, fields });
  }
  info(message: string, fields?: LogFields): void {
    this.lines.push({ level: 'info', message, fields });
  }
  debug(message: string, fields?: LogFields): void {
    this.lines.push({ level: 'debug', message, fields });
  }
  isDebugEnabled(): boolean {
    return true;
  }
}
