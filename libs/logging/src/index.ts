export * from './log-fields.js';
export * from './log-level.js';
export * from './log-line.js';
export * from './log-throttle.js';
export * from './recording-log.js';
export * from './tagged-logger.js';
