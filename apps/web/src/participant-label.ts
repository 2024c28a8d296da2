import type { Participant } from '@app/chat-protocol';
import { el } from './dom.js';

/**
 * Display names are not unique: two guests may both be "erin". Every identity
 * seen is noted, and a name held by more than one identity is shown with a
 * short piece of the identity, so readers can tell the two apart.
 */
export class ParticipantLabels {
  private readonly idsByName = new Map<string, Set<string>>();

  note(who: Participant): void {
    const ids = this.idsByName.get(who.user) ?? new Set<string>();
    ids.add(who.userId);
    this.idsByName.set(who.user, ids);
  }

  /** The author's name, a `#abcd` suffix when the name is shared, and a guest tag: text only, never HTML. */
  label(who: Participant, className = 'author'): HTMLSpanElement {
    this.note(who);
    const shared = (this.idsByName.get(who.user)?.size ?? 0) > 1;
    return el(
      'span',
      { className, title: who.userId },
      who.user,
      shared ? el('span', { className: 'id-suffix' }, ` #${shortId(who.userId)}`) : null,
      who.guest
        ? el('span', { className: 'guest-tag', title: 'a guest: anyone may pick this name' }, 'guest')
        : null,
    );
  }
}

/** A few characters of the identity's random part: enough to tell two people apart on screen. */
function shortId(userId: string): string {
  return userId.replace(/^[gu]_/, '').slice(0, 4);
}
