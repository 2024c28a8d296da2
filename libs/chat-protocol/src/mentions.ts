/** An `@name` in a message's text: where it is and the name it gives. */
export interface Mention {
  start: number;
  end: number;
  name: string;
}

// `@` at the start or after a space or punctuation (not inside an e-mail address), then a name.
const MENTION = /(?<![\p{L}\p{N}_.@-])@([\p{L}\p{N}][\p{L}\p{N}_.-]*)/gu;

/**
 * The `@name`s of a text, for highlighting; names run until a space or a
 * character names do not use. Pure and shared: mentions are not stored.
 */
export function findMentions(text: string): Mention[] {
  const found: Mention[] = [];
  for (const match of text.matchAll(MENTION)) {
    const name = match[1].replace(/[.-]+$/u, '');
    found.push({ start: match.index, end: match.index + 1 + name.length, name });
  }
  return found;
}

/** Whether a text mentions `name` (case-insensitive; a display name may hold spaces). */
export function mentionsName(text: string, name: string): boolean {
  const wanted = name.trim().toLocaleLowerCase();
  if (wanted === '') return false;
  const lower = text.toLocaleLowerCase();
  for (let at = lower.indexOf(`@${wanted}`); at !== -1; at = lower.indexOf(`@${wanted}`, at + 1)) {
    const before = at === 0 ? '' : lower[at - 1];
    const after = lower.slice(at + 1 + wanted.length, at + 2 + wanted.length);
    if (!/[\p{L}\p{N}_@]/u.test(before) && !/[\p{L}\p{N}_]/u.test(after)) return true;
  }
  return false;
}
