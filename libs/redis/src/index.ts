export * from './redis-connections.js';
export * from './redis-options.js';
export * from './redis.module.js';
export * from './lua-script.js';
export * from './redacted-url.js';
export * from './channel-subscriber.js';
export * from './redis-failure.js';
export * from './redis-memory.js';
