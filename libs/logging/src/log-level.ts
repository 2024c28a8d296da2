/** Log levels from the most to the least severe. */
export const LOG_LEVELS = ['error', 'warn', 'info', 'debug', 'trace'] as const;

export type LogLevel = (typeof LOG_LEVELS)[number];

export const LOG_FORMATS = ['text', 'json'] as const;

export type LogFormat = (typeof LOG_FORMATS)[number];

const SEVERITY: Record<LogLevel, number> = {
  error: 0,
  warn: 1,
  info: 2,
  debug: 3,
  trace: 4,
};

/** True when a line at `level` passes a logger set to `threshold`. */
export function isLevelEnabled(threshold: LogLevel, level: LogLevel): boolean {
  return SEVERITY[level] <= SEVERITY[threshold];
}
