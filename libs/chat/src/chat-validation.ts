/** Limits of the chat protocol, with their defaults in one place. */
export const CHAT_LIMITS = {
  /** Longest user name, in characters. */
  userMaxLength: 32,
  /** Longest room name, in characters. */
  roomMaxLength: 64,
  /** Longest message text, in characters. */
  messageMaxLength: 2000,
} as const;

// Letters and digits of any script, space, and a few separators: safe in URLs,
// logs and Redis keys, and never markup.
const ROOM_PATTERN = /^[\p{L}\p{N}][\p{L}\p{N} _.-]*$/u;
// Printable: no control characters (which would also break log lines).
const PRINTABLE = /^[^\p{Cc}\p{Cs}]+$/u;

const graphemes = new Intl.Segmenter('en', { granularity: 'grapheme' });

/** True if `text` has at most `max` user-perceived characters (an emoji counts once). */
function fitsLength(text: string, max: number): boolean {
  // Cheap bound first: a grapheme is at most a handful of code units in practice.
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

export function checkUser(value: unknown): Checked<string> {
  if (typeof value !== 'string' || value.trim() === '') {
    return {
      ok: false,
      error: 'a user name is required: pass auth.user or the query parameter user',
    };
  }
  const user = value.trim();
  if (!fitsLength(user, CHAT_LIMITS.userMaxLength) || !PRINTABLE.test(user)) {
    return {
      ok: false,
      error: `user must be 1-${CHAT_LIMITS.userMaxLength} printable characters`,
    };
  }
  return { ok: true, value: user };
}

export function checkRoom(value: unknown): Checked<string> {
  const room = typeof value === 'string' ? value.trim() : '';
  if (room === '' || !fitsLength(room, CHAT_LIMITS.roomMaxLength) || !ROOM_PATTERN.test(room)) {
    return {
      ok: false,
      error: `room must be 1-${CHAT_LIMITS.roomMaxLength} letters, digits, spaces, "_", "-" or "." (starting with a letter or digit)`,
    };
  }
  return { ok: true, value: room };
}

export function checkRoomRequest(payload: unknown): Checked<string> {
  if (!isRecord(payload)) return { ok: false, error: 'expected an object {room}' };
  return checkRoom(payload.room);
}

export function checkChatMessage(payload: unknown): Checked<{ room: string; message: string }> {
  if (!isRecord(payload)) return { ok: false, error: 'expected an object {room, message}' };
  const room = checkRoom(payload.room);
  if (!room.ok) return room;
  const message = payload.message;
  if (typeof message !== 'string' || message.trim() === '') {
    return { ok: false, error: 'message must be a non-empty string' };
  }
  if (message.length > CHAT_LIMITS.messageMaxLength) {
    return {
      ok: false,
      error: `message must be at most ${CHAT_LIMITS.messageMaxLength} characters`,
    };
  }
  return { ok: true, value: { room: room.value, message } };
}
