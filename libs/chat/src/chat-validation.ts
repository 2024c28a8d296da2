import {
  CHAT_LIMITS,
  ErrorCode,
  PRINTABLE_PATTERN,
  ROOM_NAME_PATTERN,
  type ChatMessageRequest,
  type Refusal,
  type ResumeRooms,
} from '@app/chat-protocol';

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

/** A checked value, or why it was refused (the text for people, the code for programs). */
export type Checked<T> = { ok: true; value: T } | ({ ok: false } & Refusal);

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const fail = (error: string, code: ErrorCode = ErrorCode.Invalid): { ok: false } & Refusal => ({
  ok: false,
  error,
  code,
});

export function checkUser(value: unknown): Checked<string> {
  if (typeof value !== 'string' || value.trim() === '') {
    return fail('a user name is required: pass auth.user or the query parameter user');
  }
  const user = value.trim();
  if (!fitsLength(user, CHAT_LIMITS.userMaxLength) || !PRINTABLE_PATTERN.test(user)) {
    return fail(`user must be 1-${CHAT_LIMITS.userMaxLength} printable characters`);
  }
  return { ok: true, value: user };
}

export function checkRoom(value: unknown): Checked<string> {
  const room = typeof value === 'string' ? value.trim() : '';
  if (room === '' || !fitsLength(room, CHAT_LIMITS.roomMaxLength) || !ROOM_NAME_PATTERN.test(room)) {
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

/** Limits of one message: user-perceived characters, and UTF-8 bytes (a character may be thousands). */
export interface MessageLimits {
  maxLength: number;
  maxBytes: number;
}

export function checkChatMessage(
  payload: unknown,
  { maxLength, maxBytes }: MessageLimits,
): Checked<ChatMessageRequest> {
  if (!isRecord(payload)) return fail('expected an object {room, message, clientMsgId?}');
  const room = checkRoom(payload.room);
  if (!room.ok) return room;
  const { message, clientMsgId } = payload;
  if (typeof message !== 'string' || message.trim() === '') return fail('message must be a non-empty string');
  // Bytes first: cheap, and it bounds the work of counting characters.
  if (Buffer.byteLength(message, 'utf8') > maxBytes)
    return fail(`message must be at most ${maxBytes} bytes (UTF-8)`, ErrorCode.TooLarge);
  if (!fitsLength(message, maxLength))
    return fail(`message must be at most ${maxLength} characters`, ErrorCode.TooLarge);
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

function isLimit(limit: unknown): limit is number | undefined {
  return limit === undefined || (typeof limit === 'number' && Number.isInteger(limit) && limit >= 1);
}

/** A checked `rooms` request: a page of at most `limit` rooms named after `cursor`. */
export interface RoomsQuery {
  cursor?: string;
  limit: number;
}

/** `rooms` takes no payload, `{}`, or `{cursor?, limit?}`; the limit is cut to `maxLimit`. */
export function checkRoomsRequest(payload: unknown, maxLimit: number): Checked<RoomsQuery> {
  if (payload === undefined) return { ok: true, value: { limit: maxLimit } };
  if (!isRecord(payload)) return fail('expected an object {cursor?, limit?}');
  const { cursor, limit } = payload;
  const room = cursor === undefined ? undefined : checkRoom(cursor);
  if (room && !room.ok) return fail('cursor must be a room name');
  if (!isLimit(limit)) return fail('limit must be a positive whole number');
  return { ok: true, value: { cursor: room?.value, limit: Math.min(limit ?? maxLimit, maxLimit) } };
}

/** A checked `history` request, its limit resolved. */
export interface HistoryQuery {
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
): Checked<HistoryQuery> {
  if (!isRecord(payload)) return fail('expected an object {room, before?, after?, limit?}');
  const room = checkRoom(payload.room);
  if (!room.ok) return room;
  const { before, after, limit } = payload;
  if (before !== undefined && !isStreamId(before)) return fail('before must be a message id');
  if (after !== undefined && !isStreamId(after)) return fail('after must be a message id');
  if (before !== undefined && after !== undefined) return fail('give before or after, not both');
  if (!isLimit(limit)) return fail('limit must be a positive whole number');
  // A catch-up wants everything, in as few answers as the limits allow.
  const wanted = limit ?? (after ? maxLimit : defaultLimit);
  return { ok: true, value: { room: room.value, before, after, limit: Math.min(wanted, maxLimit) } };
}

/** `{rooms: {room: lastId | null}}`, from a `resume` event or the handshake auth. */
export function checkResume(payload: unknown): Checked<ResumeRooms> {
  if (!isRecord(payload) || !isRecord(payload.rooms))
    return fail('expected an object {rooms: {room: lastId}}');
  const entries = Object.entries(payload.rooms);
  if (entries.length > CHAT_LIMITS.resumeMaxRooms)
    return fail(`at most ${CHAT_LIMITS.resumeMaxRooms} rooms`, ErrorCode.TooLarge);
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
