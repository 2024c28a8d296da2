export * from './log-level.js';
export * from './log-line.js';
export * from './tagged-logger.js';
