import { ErrorCode, type Refusal } from '@app/chat-protocol';
import { LogThrottle, type Log } from '@app/logging';
import { redisFailureOf } from '@app/redis';

const STORE_UNAVAILABLE: Refusal = {
  error: 'chat storage unavailable, retrying',
  code: ErrorCode.Unavailable,
};
const STORE_FULL: Refusal = {
  error: 'chat storage is full: nothing was stored until an operator frees space',
  code: ErrorCode.StoreFull,
};
const INTERNAL: Refusal = { error: 'internal error', code: ErrorCode.Internal };

/**
 * Turns a request that threw into the refusal its sender gets: Redis away is
 * `unavailable` (the client retries), Redis full is `store_full`, anything else
 * is a bug of ours, `internal`, never dressed up as something a retry mends.
 */
export class RequestFailures {
  // An outage fails every request of every client: one line per kind per 5 s.
  private readonly throttle = new LogThrottle();

  /** The refusal for `event` of `user` that threw `error`; says so in `log`. */
  refusalFor(event: string, user: string, error: unknown, log: Log): Refusal {
    const failure = redisFailureOf(error);
    const message = error instanceof Error ? error.message : String(error);
    if (failure === undefined) {
      log.error(`${event} from ${user} failed: ${error instanceof Error ? error.stack : message}`);
      return INTERNAL;
    }
    if (this.throttle.allow(failure)) {
      log.warn(`${event} from ${user} refused, Redis ${failure} (${message}); similar lines held for 5 s`);
    }
    return failure === 'full' ? STORE_FULL : STORE_UNAVAILABLE;
  }
}
