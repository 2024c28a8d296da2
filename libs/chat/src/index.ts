export * from './chat-options.js';
export * from './chat-protocol.js';
export * from './chat-validation.js';
export * from './chat.gateway.js';
export * from './chat.module.js';
