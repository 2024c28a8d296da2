/**
 * Fixed limits and name rules of the protocol, shared so a client can check
 * input before sending it (the message length is configured per cluster).
 */
export const CHAT_LIMITS = {
  /** User-perceived characters (an emoji counts once). */
  userMaxLength: 32,
  roomMaxLength: 64,
  clientMsgIdMaxLength: 64,
  /** Rooms in one resume (event or handshake). */
  resumeMaxRooms: 50,
} as const;

/**
 * Letters and digits of any script, space, and a few separators: safe in URLs,
 * logs and Redis keys, and never markup.
 */
export const ROOM_NAME_PATTERN = /^[\p{L}\p{N}][\p{L}\p{N} _.-]*$/u;

/** Printable: no control characters (which would also break log lines). */
export const PRINTABLE_PATTERN = /^[^\p{Cc}\p{Cs}]+$/u;
