export * from './ringchat-client.js';
export * from './tiny-emitter.js';
export type {
  ChatMessageEvent,
  HistoryEvent,
  Member,
  RoomEvent,
  RoomSummary,
  SessionEvent,
} from '@app/chat/chat-protocol.js';
