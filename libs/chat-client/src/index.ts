export * from './chat-client-core.js';
export * from './chat-connection.js';
export * from './chat-refusal.js';
export * from './retry-policy.js';
export * from './ringchat-client.js';
export * from './socket-io-connection.js';
export * from './tiny-emitter.js';
export * from './typing-tracker.js';
export * from './message-changes.js';
export type {
  ChatMessageEvent,
  DirectEvent,
  ErrorCode,
  HistoryEvent,
  Member,
  Participant,
  RoomEvent,
  RoomListing,
  RoomSummary,
  SessionEvent,
  TypingEvent,
} from '@app/chat-protocol';
export { findMentions, mentionsName, type Mention } from '@app/chat-protocol';
