import type { LogLevel } from './log-level.js';
import type { Log } from './tagged-logger.js';

/** A `Log` that keeps what it is told, for specs that check what a class logs. */
export class RecordingLog implements Log {
  readonly lines: Array<{ level: LogLevel; message: string }> = [];

  /** The messages logged at `level`, oldest first. */
  at(level: LogLevel): string[] {
    return this.lines.filter((line) => line.level === level).map((line) => line.message);
  }

  error(message: string): void {
    this.lines.push({ level: 'error', message });
  }
  warn(message: string): void {
    this.lines.push({ level: 'warn', message });
  }
  info(message: string): void {
    this.lines.push({ level: 'info', message });
  }
  debug(message: string): void {
    this.lines.push({ level: 'debug', message });
  }
  isDebugEnabled(): boolean {
    return true;
  }
}
