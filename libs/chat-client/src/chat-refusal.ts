import { ErrorCode, type Refusal } from '@app/chat-protocol';

/** A request the server refused: `code` says why, the message says it to people. */
export class ChatRefusal extends Error {
  readonly code: ErrorCode;

  constructor(refusal: Refusal, event?: string) {
    super(event ? `${event}: ${refusal.error}` : refusal.error);
    this.name = 'ChatRefusal';
    this.code = refusal.code;
  }
}

/** Refusals after which nothing was done and the very same request may succeed later. */
export function isTransient(code: ErrorCode): boolean {
  return code === ErrorCode.RateLimited || code === ErrorCode.Unavailable || code === ErrorCode.Busy;
}
