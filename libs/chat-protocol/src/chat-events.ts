import type {
  ChatMessageEvent,
  ChatMessageRequest,
  HistoryEvent,
  HistoryRequest,
  MembersEvent,
  RefreshTokenAnswer,
  RefreshTokenRequest,
  ResumeRequest,
  RoomEvent,
  RoomRequest,
  RoomsEvent,
  RoomsRequest,
  SessionEvent,
  TokenExpiringEvent,
} from './chat-payloads.js';
import type {
  DeleteMessageRequest,
  DirectEvent,
  EditMessageRequest,
  OpenDirectRequest,
  RoomListEvent,
  RoomListRequest,
  TypingEvent,
  TypingRequest,
} from './conversation-payloads.js';
import type { ErrorEvent, Refusal } from './error-codes.js';

/**
 * The `/chat` namespace protocol, compatible with the Play socket.io clustered
 * chat client and extended with ids, acks, history, resume and presence. Room
 * events go to every member, including the client that caused them: clients
 * render their own actions from these echoes.
 */
export const CHAT_NAMESPACE = '/chat';

export const ChatEvent = {
  JoinRoom: 'join room',
  LeaveRoom: 'leave room',
  ChatMessage: 'chat message',
  /** Client → server: an older page; server → client: a page or a replay. */
  History: 'history',
  /** Client → server: re-join rooms after a reconnect, replaying what was missed. */
  Resume: 'resume',
  Members: 'members',
  Rooms: 'rooms',
  Error: 'error',
  /** Server → the connecting client only: who it is and which node serves it. */
  Session: 'session',
  /** Server → a token user's connection: its token expires soon (then the connection closes). */
  TokenExpiring: 'token expiring',
  /** Client → server: a fresh token for the same identity, before the old one expires. */
  RefreshToken: 'refresh token',
  /** Client → server: new text for an own message (acked like a send). */
  EditMessage: 'edit message',
  /** Client → server: deletes an own message (acked like a send). */
  DeleteMessage: 'delete message',
  /**
   * Server → room members: a stored edit or delete (a ChatMessageEvent with
   * `kind` and `target`), in stream order with the room's `chat message`s.
   */
  MessageChanged: 'message changed',
  /** Both ways: someone is typing in a room (or stopped); never stored. */
  Typing: 'typing',
  /** Server → the connecting client right after `session`, and the answer to the request: the rooms list. */
  RoomList: 'room list',
  /** Client → server: the direct room of the sender and another identity. */
  OpenDirect: 'open direct',
  /** Server → every connection of a person someone opened a direct room with. */
  Direct: 'direct',
} as const;

/** An ack's answer: `ok` with the fields of `T`, or a refusal. */
export type ChatAck<T extends object = object> = ({ ok: true } & T) | Refusal;

export interface SendAnswer {
  /** The stored message's id. */
  id: string;
  /** The clientMsgId was seen before: `id` is the first copy's, nothing new was stored. */
  duplicate?: true;
}

export interface ResumeAnswer {
  /** Per room: whether everything after the given id could be replayed. */
  recovered: Record<string, boolean>;
}

/**
 * Client → server. Every event may carry an ack (the answer goes there) or not
 * (the answer comes as the matching server event, a refusal as `error`).
 */
export interface ClientToServerEvents {
  [ChatEvent.JoinRoom]: (request: RoomRequest, ack: (answer: ChatAck) => void) => void;
  [ChatEvent.LeaveRoom]: (request: RoomRequest, ack: (answer: ChatAck) => void) => void;
  [ChatEvent.ChatMessage]: (request: ChatMessageRequest, ack: (answer: ChatAck<SendAnswer>) => void) => void;
  [ChatEvent.History]: (request: HistoryRequest, ack: (answer: ChatAck<HistoryEvent>) => void) => void;
  [ChatEvent.Resume]: (request: ResumeRequest, ack: (answer: ChatAck<ResumeAnswer>) => void) => void;
  [ChatEvent.Members]: (request: RoomRequest, ack: (answer: ChatAck<MembersEvent>) => void) => void;
  [ChatEvent.Rooms]: (request: RoomsRequest, ack: (answer: ChatAck<RoomsEvent>) => void) => void;
  [ChatEvent.RefreshToken]: (
    request: RefreshTokenRequest,
    ack: (answer: ChatAck<RefreshTokenAnswer>) => void,
  ) => void;
  [ChatEvent.EditMessage]: (request: EditMessageRequest, ack: (answer: ChatAck<SendAnswer>) => void) => void;
  [ChatEvent.DeleteMessage]: (
    request: DeleteMessageRequest,
    ack: (answer: ChatAck<SendAnswer>) => void,
  ) => void;
  [ChatEvent.Typing]: (request: TypingRequest, ack: (answer: ChatAck) => void) => void;
  [ChatEvent.RoomList]: (request: RoomListRequest, ack: (answer: ChatAck<RoomListEvent>) => void) => void;
  [ChatEvent.OpenDirect]: (request: OpenDirectRequest, ack: (answer: ChatAck<DirectEvent>) => void) => void;
}

export type ClientEventName = keyof ClientToServerEvents;
/** The payload of a client event. */
export type RequestOf<E extends ClientEventName> = Parameters<ClientToServerEvents[E]>[0];
/** The ack's answer to a client event. */
export type AnswerOf<E extends ClientEventName> = Parameters<Parameters<ClientToServerEvents[E]>[1]>[0];

/** Server → client. */
export interface ServerToClientEvents {
  [ChatEvent.Session]: (session: SessionEvent) => void;
  [ChatEvent.ChatMessage]: (message: ChatMessageEvent) => void;
  [ChatEvent.JoinRoom]: (event: RoomEvent) => void;
  [ChatEvent.LeaveRoom]: (event: RoomEvent) => void;
  [ChatEvent.History]: (event: HistoryEvent) => void;
  [ChatEvent.Members]: (event: MembersEvent) => void;
  [ChatEvent.Rooms]: (event: RoomsEvent) => void;
  [ChatEvent.Error]: (event: ErrorEvent) => void;
  [ChatEvent.TokenExpiring]: (event: TokenExpiringEvent) => void;
  [ChatEvent.MessageChanged]: (change: ChatMessageEvent) => void;
  [ChatEvent.Typing]: (event: TypingEvent) => void;
  [ChatEvent.RoomList]: (event: RoomListEvent) => void;
  [ChatEvent.Direct]: (event: DirectEvent) => void;
}
