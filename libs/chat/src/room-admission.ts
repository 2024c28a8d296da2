import { ErrorCode, type Refusal } from '@app/chat-protocol';

/**
 * Why a connection may not enter `entering` (rooms it is not in yet), if it may
 * not. Every way into a room — join, resume, the handshake's resume — asks here
 * first, so a rule added here (the identity's room rules) holds for all of them.
 */
export function admissionRefusal(
  joined: ReadonlySet<string>,
  entering: readonly string[],
  maxRooms: number,
): Refusal | undefined {
  if (joined.size + entering.length > maxRooms) {
    return {
      error: `at most ${maxRooms} rooms per connection: leave one first`,
      code: ErrorCode.TooManyRooms,
    };
  }
  return undefined;
}
