import type { Participant } from './chat-payloads.js';

/**
 * `edit message`: new text for one of the sender's own messages. Stored like a
 * message (same size limits, de-duplicated by clientMsgId, acked once stored)
 * as an entry of kind `edit` after it; only the message's author may do it.
 */
export interface EditMessageRequest {
  room: string;
  /** The message to change. */
  id: string;
  message: string;
  clientMsgId?: string;
}

/** `delete message`: one of the sender's own messages; its text is served no more. */
export interface DeleteMessageRequest {
  room: string;
  id: string;
  clientMsgId?: string;
}

/** `typing`, client → server: the sender is typing in a room it joined, or stopped. */
export interface TypingRequest {
  room: string;
  /** The sender stopped (sent, cleared its input): receivers drop it at once. */
  stopped?: boolean;
}

/**
 * `typing`, server → the room's other connections (never stored). A receiver
 * shows the typist until `expiresInMs` pass without another `typing` from it,
 * or until a `stopped`, a `leave room` or a message from it.
 */
export interface TypingEvent extends Participant {
  room: string;
  stopped?: true;
  expiresInMs: number;
}

/** One entry of the rooms list. */
export interface RoomListing {
  room: string;
  /** Identities present now. */
  members: number;
  /** Last message, change, join or leave (ms since the epoch); 0 if unknown. */
  lastActivity: number;
  /** Direct rooms only: the other person (the name is the label to show). */
  direct?: Participant;
}

/**
 * The rooms list of a connection, most recently active first: public rooms
 * with members or active within the cluster's idle time (empty rooms age out
 * of the list; their history stays), and the connection's own direct rooms.
 * Sent once right after `session`, and as the answer to `room list`.
 */
export interface RoomListEvent {
  rooms: RoomListing[];
}

/** `room list`: at most `limit` rooms (the server's page limit by default). */
export interface RoomListRequest {
  limit?: number;
}

/**
 * `open direct`: the private room of the sender and another identity (the
 * same room whoever opens it). Only those two may join it, read it or see it
 * listed. The answer does not join it: send `join room` next.
 */
export interface OpenDirectRequest {
  /** The other person's identity (`userId` of a member or a message). */
  userId: string;
  /** The other person's display name, shown to the sender until that person is seen. */
  user?: string;
}

/**
 * The answer to `open direct`, and the `direct` event a person gets (on every
 * connection of theirs) when someone opens a direct room with them.
 */
export interface DirectEvent extends RoomListing {
  direct: Participant;
}
