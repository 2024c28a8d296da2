/**
 * The `/chat` namespace protocol, compatible with the Play socket.io clustered
 * chat client. Server events go to every member of the room, including the
 * client that caused them: clients render their own actions from these echoes.
 */
export const CHAT_NAMESPACE = '/chat';

export const ChatEvent = {
  JoinRoom: 'join room',
  LeaveRoom: 'leave room',
  ChatMessage: 'chat message',
  Error: 'error',
  /** Server → the connecting client only: who it is and which node serves it. */
  Session: 'session',
} as const;

/** Client → server. */
export interface RoomRequest {
  room: string;
}
export interface ChatMessageRequest {
  room: string;
  message: string;
}

/** Server → room members. `user` is always the sending session's user. */
export interface RoomEvent {
  room: string;
  user: string;
}
export interface ChatMessageEvent {
  room: string;
  user: string;
  message: string;
}

/** Sent once on connect, so a client (and a test) can see where it lives. */
export interface SessionEvent {
  user: string;
  node: string;
  sid: string;
}

/** What an event handler acknowledges with. */
export type ChatAck = { ok: true } | { error: string };
