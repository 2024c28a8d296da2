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
} as const;

/** A stored message as every client receives it. `id` is its Redis Stream id. */
export interface ChatMessageEvent {
  id: string;
  room: string;
  user: string;
  message: string;
  /** ms since the epoch, from the id. */
  ts: number;
  /** The node that accepted it. */
  node: string;
  clientMsgId?: string;
  /** Live messages only: the id of the room's message before this one, if any. */
  prev?: string;
}

/** Server → room members. `user` is always the session's user. */
export interface RoomEvent {
  room: string;
  user: string;
}

/**
 * Messages of one room, oldest first: the latest page on join, a replay after
 * a resume, or an older page. `recovered: false` means the messages after the
 * client's last id fell out of retention: this is the latest page instead.
 */
export interface HistoryEvent {
  room: string;
  messages: ChatMessageEvent[];
  /** Older messages exist before the first one here. */
  more: boolean;
  /** Present on a resume or an `after` request. */
  recovered?: boolean;
}

export interface Member {
  user: string;
  node: string;
  since: number;
}

export interface RoomSummary {
  room: string;
  members: number;
}

/** Sent once on connect, so a client (and a test) can see where it lives. */
export interface SessionEvent {
  user: string;
  node: string;
  sid: string;
}

/** Rooms to re-join with the last message id seen in each (null: none seen yet). */
export type ResumeRooms = Record<string, string | null>;

export type ChatAck<T extends object = object> = ({ ok: true } & T) | { error: string };

/** Orders two message ids (Redis Stream ids, `<ms>-<seq>`): negative, zero or positive. */
export function compareMessageIds(a: string, b: string): number {
  const [ams, aseq] = a.split('-').map(Number);
  const [bms, bseq] = b.split('-').map(Number);
  return ams - bms || aseq - bseq;
}
