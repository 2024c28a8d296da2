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
  /**
   * A replay cut short by the answer's limits (count or bytes): the rest
   * follows `history {room, after: next}`, which may itself carry `next`.
   */
  next?: string;
}

export interface Member {
  user: string;
  node: string;
  since: number;
}

export interface MembersEvent {
  room: string;
  members: Member[];
}

export interface RoomSummary {
  room: string;
  members: number;
}

/** One page of the room directory (rooms with members, by name). */
export interface RoomsEvent {
  rooms: RoomSummary[];
  /** More rooms follow: pass this as `cursor` for the next page. */
  next?: string;
}

/** `rooms`: a page of the directory, after `cursor` (the previous page's `next`). */
export interface RoomsRequest {
  cursor?: string;
  /** Rooms in the page, at most the server's page limit (its default). */
  limit?: number;
}

/** Sent once on connect, so a client (and a test) can see where it lives. */
export interface SessionEvent {
  user: string;
  node: string;
  sid: string;
}

/** Rooms to re-join with the last message id seen in each (null: none seen yet). */
export type ResumeRooms = Record<string, string | null>;

/** The handshake's `auth` (the user may also come from the query parameter `user`). */
export interface ChatAuth {
  user: string;
  /** Rooms to re-join at once, e.g. after a reconnect. */
  rooms?: ResumeRooms;
}

/** `join room`, `leave room`, `members`. */
export interface RoomRequest {
  room: string;
}

export interface ChatMessageRequest {
  room: string;
  message: string;
  /** Chosen by the client; a repeat within the de-duplication window is stored once. */
  clientMsgId?: string;
}

/** An older page (`before`), or everything after an id (`after`), not both. */
export interface HistoryRequest {
  room: string;
  before?: string;
  after?: string;
  limit?: number;
}

export interface ResumeRequest {
  rooms: ResumeRooms;
}
