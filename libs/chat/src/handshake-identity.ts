import { CHAT_LIMITS, type Participant, type Refusal } from '@app/chat-protocol';
import {
  credentialsOf,
  IdentityError,
  type Identity,
  type IdentityResolver,
  type ResolvedIdentity,
} from '@app/identity';
import { checkUser, type Checked } from './chat-validation.js';

/** What a handshake offers: socket.io 4's `auth`, and the query socket.io 2 clients use instead. */
export interface HandshakeInput {
  auth: Record<string, unknown> | undefined;
  query: Record<string, unknown>;
}

/**
 * Who a handshake proves to be. Guest mode: the display name the user picked
 * (`auth.user` or `?user=`, validated) and the guest token's identity, or a
 * fresh one. jwt mode: the token alone; the handshake's name is ignored.
 */
export async function identifyHandshake(
  resolver: IdentityResolver,
  { auth = {}, query }: HandshakeInput,
): Promise<Checked<ResolvedIdentity>> {
  let displayName: string | undefined;
  if (resolver.mode === 'guest') {
    const user = checkUser(auth['user'] ?? query['user']);
    if (!user.ok) return user;
    displayName = user.value;
  }
  try {
    const resolved = await resolver.resolve(credentialsOf(auth, query), displayName);
    // A token's name is shown like a picked one: cut to length, and refused if unprintable.
    const name = checkUser(shortened(resolved.identity.name));
    if (!name.ok) return { ...name, code: 'invalid_token', error: `the token's name: ${name.error}` };
    return { ok: true, value: { ...resolved, identity: { ...resolved.identity, name: name.value } } };
  } catch (error) {
    if (error instanceof IdentityError) return { ok: false, ...refusalOf(error) };
    throw error;
  }
}

const graphemes = new Intl.Segmenter('en', { granularity: 'grapheme' });

/** The first characters of a name (as people count them) that fit the protocol's limit. */
function shortened(name: string): string {
  const max = CHAT_LIMITS.userMaxLength;
  if (name.length <= max) return name;
  let kept = '';
  let count = 0;
  for (const { segment } of graphemes.segment(name)) {
    if (++count > max) break;
    kept += segment;
  }
  return kept;
}

export function refusalOf(error: IdentityError): Refusal {
  return { error: error.message, code: error.code };
}

/** How others see an identity in messages, member lists and room events. */
export function participantOf(identity: Identity): Participant {
  return { user: identity.name, userId: identity.id, guest: identity.kind === 'guest' };
}
