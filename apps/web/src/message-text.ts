/**
 * A message's text cut into plain text, links and mentions: data, never HTML.
 * The page builds elements from these pieces (rich-text.ts).
 */
export type Segment =
  | { kind: 'text'; text: string }
  | { kind: 'link'; text: string; href: string }
  | { kind: 'mention'; text: string; name: string; me: boolean };

// A URL starts where no letter or digit precedes it: "xhttp://" is no link.
const LINK = /(?<![\p{L}\p{N}])https?:\/\/[^\s<>"'`]+/giu;
// "@name" after a start, a space or punctuation (not inside "mail@host").
const MENTION = /(?<![\p{L}\p{N}_])@([\p{L}\p{N}_](?:[\p{L}\p{N}_.-]*[\p{L}\p{N}_])?)/gu;
const TRAILING = /[.,;:!?'"\]}>]$/u;

/** Cuts `text` into segments; `me` is the reader's display name (its mentions are marked). */
export function segmentText(text: string, me: string): Segment[] {
  const segments: Segment[] = [];
  let rest = 0;
  for (const match of text.matchAll(LINK)) {
    const link = trimLink(match[0]);
    const href = safeHref(link);
    if (!href) continue;
    segments.push(...mentions(text.slice(rest, match.index), me));
    segments.push({ kind: 'link', text: link, href });
    rest = match.index + link.length;
  }
  segments.push(...mentions(text.slice(rest), me));
  return segments.filter((s) => s.text !== '');
}

/** The message names the reader with "@name" (case aside). */
export function mentionsMe(text: string, me: string): boolean {
  return segmentText(text, me).some((s) => s.kind === 'mention' && s.me);
}

function mentions(text: string, me: string): Segment[] {
  const segments: Segment[] = [];
  let rest = 0;
  const mine = me.toLocaleLowerCase();
  for (const match of text.matchAll(MENTION)) {
    const name = match[1];
    segments.push({ kind: 'text', text: text.slice(rest, match.index) });
    segments.push({
      kind: 'mention',
      text: match[0],
      name,
      me: mine !== '' && name.toLocaleLowerCase() === mine,
    });
    rest = match.index + match[0].length;
  }
  segments.push({ kind: 'text', text: text.slice(rest) });
  return segments;
}

/** Sentence punctuation after a URL is not part of it; a ")" is, when the URL opened one. */
function trimLink(link: string): string {
  let trimmed = link;
  for (;;) {
    if (TRAILING.test(trimmed)) trimmed = trimmed.slice(0, -1);
    else if (trimmed.endsWith(')') && count(trimmed, '(') < count(trimmed, ')'))
      trimmed = trimmed.slice(0, -1);
    else return trimmed;
  }
}

function count(text: string, char: string): number {
  return text.split(char).length - 1;
}

/** The link's address if it parses as http(s) with a host; otherwise it stays text. */
function safeHref(link: string): string | undefined {
  try {
    const url = new URL(link);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname ? url.href : undefined;
  } catch {
    return undefined;
  }
}
