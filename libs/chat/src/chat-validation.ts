import type { ResumeRooms } from './chat-protocol.js';

/** Fixed limits of the protocol (the message length is configurable). */
export const CHAT_LIMITS = {
  userMaxLength: 32,
  roomMaxLength: 64,
  clientMsgIdMaxLength: 64,
  resumeMaxRooms: 50,
} as const;

// Letters and digits of any script, space, and a few separators: safe in URLs,
// logs and Redis keys, and never markup.
const ROOM_PATTERN = /^[\p{L}\p{N}][\p{L}\p{N} _.-]*$/u;
// Printable: no control characters (which would also break log lines).
const PRINTABLE = /^[^\p{Cc}\p{Cs}]+$/u;
const CLIENT_MSG_ID = /^[A-Za-z0-9_-]+$/;
const STREAM_ID = /^\d{1,16}-\d{1,16}$/;

const graphemes = new Intl.Segmenter('en', { granularity: 'grapheme' });

/** True if `text` has at most `max` user-perceived characters (an emoji counts once). */
function fitsLength(text: string, max: number): boolean {
  // Cheap bounds first: a grapheme is at least one code unit, and rarely more than eight.
  if (text.length <= max) return true;
  if (text.length > max * 8) return false;
  let count = 0;
  for (const _ of graphemes.segment(text)) if (++count > max) return false;
  return true;
}

export type Checked<T> = { ok: true; value: T } | { ok: false; error: string };

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const fail = (error: string): { ok: false; error: string } => ({ ok: false, error });

export function checkUser(value: unknown): Checked<string> {
  if (typeof value !== 'string' || value.trim() === '') {
    return fail('a user name is required: pass auth.user or the query parameter user');
  }
  const user = value.trim();
  if (!fitsLength(user, CHAT_LIMITS.userMaxLength) || !PRINTABLE.test(user)) {
    return fail(`user must be 1-${CHAT_LIMITS.userMaxLength} printable characters`);
  }
  return { ok: true, value: user };
}

export function checkRoom(value: unknown): Checked<string> {
  const room = typeof value === 'string' ? value.trim() : '';
  if (room === '' || !fitsLength(room, CHAT_LIMITS.roomMaxLength) || !ROOM_PATTERN.test(room)) {
    return fail(
      `room must be 1-${CHAT_LIMITS.roomMaxLength} letters, digits, spaces, "_", "-" or "." (starting with a letter or digit)`,
    );
  }
  return { ok: true, value: room };
}

export function isStreamId(value: unknown): value is string {
  return typeof value === 'string' && STREAM_ID.test(value);
}

export function checkRoomRequest(payload: unknown): Checked<string> {
  if (!isRecord(payload)) return fail('expected an object {room}');
  return checkRoom(payload.room);
}

export interface MessageRequest {
  room: string;
  message: string;
  clientMsgId?: string;
}

export function checkChatMessage(payload: unknown, maxLength: number): Checked<MessageRequest> {
  if (!isRecord(payload)) return fail('expected an object {room, message, clientMsgId?}');
  const room = checkRoom(payload.room);
  if (!room.ok) return room;
  const { message, clientMsgId } = payload;
  if (typeof message !== 'string' || message.trim() === '') return fail('message must be a non-empty string');
  if (!fitsLength(message, maxLength)) return fail(`message must be at most ${maxLength} characters`);
  if (
    clientMsgId !== undefined &&
    (typeof clientMsgId !== 'string' ||
      clientMsgId.length > CHAT_LIMITS.clientMsgIdMaxLength ||
      !CLIENT_MSG_ID.test(clientMsgId))
  ) {
    return fail(`clientMsgId must be 1-${CHAT_LIMITS.clientMsgIdMaxLength} characters of A-Z a-z 0-9 _ -`);
  }
  return { ok: true, value: { room: room.value, message, clientMsgId } };
}

export interface HistoryRequest {
  room: string;
  /** An older page: the newest `limit` messages before this id. */
  before?: string;
  /** A catch-up: every message after this id (for a client that noticed a gap). */
  after?: string;
  limit: number;
}

export function checkHistoryRequest(
  payload: unknown,
  defaultLimit: number,
  maxLimit: number,
): Checked<HistoryRequest> {
  if (!isRecord(payload)) return fail('expected an object {room, before?, after?, limit?}');
  const room = checkRoom(payload.room);
  if (!room.ok) return room;
  const { before, after, limit } = payload;
  if (before !== undefined && !isStreamId(before)) return fail('before must be a message id');
  if (after !== undefined && !isStreamId(after)) return fail('after must be a message id');
  if (before !== undefined && after !== undefined) return fail('give before or after, not both');
  if (limit !== undefined && (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1)) {
    return fail('limit must be a positive whole number');
  }
  return {
    ok: true,
    value: { room: room.value, before, after, limit: Math.min(limit ?? defaultLimit, maxLimit) },
  };
}

/** `{rooms: {room: lastId | null}}`, from a `resume` event or the handshake auth. */
export function checkResume(payload: unknown): Checked<ResumeRooms> {
  if (!isRecord(payload) || !isRecord(payload.rooms))
    return fail('expected an object {rooms: {room: lastId}}');
  const entries = Object.entries(payload.rooms);
  if (entries.length > CHAT_LIMITS.resumeMaxRooms) return fail(`at most ${CHAT_LIMITS.resumeMaxRooms} rooms`);
  const rooms: ResumeRooms = {};
  for (const [name, lastId] of entries) {
    const room = checkRoom(name);
    if (!room.ok) return room;
    if (lastId !== null && !isStreamId(lastId))
      return fail(`the last id of ${room.value} must be a message id or null`);
    rooms[room.value] = lastId;
  }
  return { ok: true, value: rooms };
}
