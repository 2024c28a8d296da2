import type { RoomRules } from './room-rules.js';

/** How a connection proved who it is. */
export type IdentityKind = 'guest' | 'user';

/**
 * Who is behind a connection. `id` is stable and unique (two guests may share a
 * display name, never an id); `name` is only what is shown.
 */
export interface Identity {
  /** `g_<random>` for guests, `u_<sub>` for token users: the kinds never collide. */
  readonly id: string;
  readonly name: string;
  readonly kind: IdentityKind;
  /** Rooms this identity may join; absent means any room. */
  readonly rooms?: RoomRules;
  /** When the credential stops being valid (ms since the epoch); absent for guests. */
  readonly expiresAt?: number;
  /** A token user whose token says `"admin": true`: may open the admin view. */
  readonly admin?: true;
}

/** Why a credential was refused; `code` is what a client branches on. */
export class IdentityError extends Error {
  constructor(
    readonly code: 'invalid_token' | 'token_expired',
    message: string,
  ) {
    super(message);
    this.name = 'IdentityError';
  }
}
