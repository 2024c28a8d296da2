export * from './chat-events.js';
export * from './chat-limits.js';
export * from './chat-payloads.js';
export * from './error-codes.js';
export * from './message-ids.js';
export * from './conversation-payloads.js';
export * from './mentions.js';
