/** A stored message as every client receives it. `id` is its Redis Stream id. */
export interface ChatMessageEvent {
  id: string;
  room: string;
  /** The sender's display name. */
  user: string;
  /** The sender's stable identity (`g_…` guest, `u_<sub>` token user); '' on messages stored before identities. */
  userId: string;
  /** The sender is a guest (a server-signed identity, not one from a token). */
  guest: boolean;
  message: string;
  /** ms since the epoch, from the id. */
  ts: number;
  /** The node that accepted it. */
  node: string;
  clientMsgId?: string;
  /** Live messages only: the id of the room's message before this one, if any. */
  prev?: string;
  /**
   * What this stream entry is: absent for a message; `edit` or `delete` for a
   * change of the earlier message `target` by its author (see MessageChange).
   */
  kind?: MessageChangeKind;
  /** Changes only: the id of the message changed. */
  target?: string;
  /**
   * Messages only: the id of the latest change applied to the text served here
   * (its time is the id's). A client applies a change only if its id is newer.
   */
  edited?: string;
  /** Messages only: deleted by its author; `message` is then ''. */
  deleted?: true;
}

/** A change of a stored message: stored in the room's stream after it, as its own entry. */
export type MessageChangeKind = 'edit' | 'delete';

/**
 * The identity behind a connection as others see it: `user` is the display
 * name (two guests may share one), `userId` the stable identity, never shared.
 */
export interface Participant {
  user: string;
  userId: string;
  guest: boolean;
}

/** Server → room members. The participant is always the session's identity. */
export interface RoomEvent extends Participant {
  room: string;
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

export interface Member extends Participant {
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

/** Sent once on connect, so a client (and a test) can see who it is and where it lives. */
export interface SessionEvent extends Participant {
  node: string;
  sid: string;
  /** Guest mode: the token to keep and present as `auth.guest` (or `?guest=`) to stay this guest. */
  guestToken?: string;
  /** Token users: when the token expires (ms since the epoch); refresh before then. */
  expiresAt?: number;
  /** Token users with a `rooms` claim: the rooms (names or `prefix*`) they may join. */
  rooms?: string[];
}

/** Server → a token user's connection, before its token expires: send `refresh token` in time. */
export interface TokenExpiringEvent {
  /** ms since the epoch. */
  expiresAt: number;
}

/** Client → server: a fresh token for the same subject; the connection lives on until it expires. */
export interface RefreshTokenRequest {
  token: string;
}

export interface RefreshTokenAnswer {
  expiresAt: number;
}

/** Rooms to re-join with the last message id seen in each (null: none seen yet). */
export type ResumeRooms = Record<string, string | null>;

/**
 * The handshake's `auth` (socket.io 2 clients use the query parameters of the
 * same names). Guest mode: `user` is the display name, `guest` the guest token
 * from an earlier `session`. jwt mode: `token` alone decides who connects.
 */
export interface ChatAuth {
  user?: string;
  guest?: string;
  token?: string;
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
