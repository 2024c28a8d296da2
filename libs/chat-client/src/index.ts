export * from './chat-client-core.js';
export * from './chat-connection.js';
export * from './chat-refusal.js';
export * from './retry-policy.js';
export * from './ringchat-client.js';
export * from './socket-io-connection.js';
export * from './tiny-emitter.js';
export type {
  ChatMessageEvent,
  ErrorCode,
  HistoryEvent,
  Member,
  RoomEvent,
  RoomSummary,
  SessionEvent,
} from '@app/chat-protocol';
