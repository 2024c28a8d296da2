import { findMentions } from '@app/chat-protocol';

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

function mentions(text: string, me: string): Segment[] {
  const segments: Segment[] = [];
  let rest = 0;
  const mine = me.trim().toLocaleLowerCase();
  for (const { start, end, name } of findMentions(text)) {
    segments.push({ kind: 'text', text: text.slice(rest, start) });
    segments.push({
      kind: 'mention',
      text: text.slice(start, end),
      name,
      me: name.toLocaleLowerCase() === mine,
    });
    rest = end;
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
