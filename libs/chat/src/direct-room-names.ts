import { createHash } from 'node:crypto';

/** Rooms whose name starts so are direct rooms: a plain `join room` cannot make one public. */
export const DIRECT_ROOM_PREFIX = 'dm.';

/**
 * The one direct room of two identities, whoever opens it: a digest of both ids
 * (sorted), since ids may be long and hold characters room names may not. 132
 * bits: no two pairs meet by chance. Access is checked against the stored pair,
 * never guessed from the name.
 */
export function directRoomName(a: string, b: string): string {
  const [first, second] = [a, b].sort();
  const digest = createHash('sha256').update(`${first}\n${second}`).digest('base64url');
  return `${DIRECT_ROOM_PREFIX}${digest.slice(0, 22)}`;
}

export function isDirectRoom(room: string): boolean {
  return room.startsWith(DIRECT_ROOM_PREFIX);
}

/** Whether an id looks like an identity's (`g_…` guest, `u_…` token user), printable and bounded. */
export function isIdentityId(value: unknown): value is string {
  return typeof value === 'string' && /^[gu]_[^\p{Cc}\p{Z}]{1,256}$/u.test(value);
}
