/**
 * Why the server refused a request, for programs; the `error` text beside it is
 * for people and may change. Every refusal carries one of these.
 */
export const ErrorCode = {
  /** The payload is malformed or names something that does not exist (a bad room name, a bad id). */
  Invalid: 'invalid',
  /** A message or a list is longer than the protocol allows. */
  TooLarge: 'too_large',
  /** The event is not part of the protocol. */
  UnknownEvent: 'unknown_event',
  /** The connection sent more events than its rate limit allows: nothing was done, try again later. */
  RateLimited: 'rate_limited',
  /** The request needs a room the connection has not joined. */
  NotMember: 'not_member',
  /** The connection is in as many rooms as it may be: leave one first. */
  TooManyRooms: 'too_many_rooms',
  /** The connection has as many requests waiting as it may: wait for their answers. */
  Busy: 'busy',
  /**
   * The chat store (Redis) is unreachable or did not answer in time: nothing new was
   * stored; the very same request may succeed once it is back. The client helper
   * retries a send refused so, with the same clientMsgId, for as long as it is connected.
   */
  Unavailable: 'unavailable',
  /**
   * The chat store is full (Redis at its `maxmemory`, which never drops stored
   * messages): nothing was stored, and nothing will be until an operator frees room.
   * Not retried by the client helper: the caller decides (the UI offers a resend).
   */
  StoreFull: 'store_full',
  /** The server failed in a way that trying again will not mend (a bug): see the node's log. */
  Internal: 'internal',
  /** The handshake's or refresh's token is missing, malformed, or fails verification. */
  InvalidToken: 'invalid_token',
  /** The token has expired: get a fresh one and connect (or refresh) with it. */
  TokenExpired: 'token_expired',
  /**
   * The identity may not do this: the token's `rooms` claim does not allow the room,
   * the message to edit or delete is another's, the direct room is two others'.
   */
  Forbidden: 'forbidden',
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** A refused request: the ack's answer, or the body of an `error` event. */
export interface Refusal {
  error: string;
  code: ErrorCode;
}

/** Server → client, for a refused request sent without an ack. */
export interface ErrorEvent extends Refusal {
  /** The event that was refused (cut to 64 characters). */
  event: string;
}

/** Attached as `data` to the error of a refused handshake (the client's `connect_error`). */
export interface HandshakeRefusal {
  code: ErrorCode;
}
