import { el } from './dom.js';
import { segmentText } from './message-text.js';

/**
 * A message's text as elements: links open in a new tab without handing it this
 * page (noopener) or its address (noreferrer); mentions are marked. Built with
 * DOM calls only, so user text is never parsed as HTML.
 */
export function richText(text: string, me: string): DocumentFragment {
  const fragment = document.createDocumentFragment();
  for (const segment of segmentText(text, me)) {
    if (segment.kind === 'text') fragment.append(document.createTextNode(segment.text));
    else if (segment.kind === 'link') {
      const link = el(
        'a',
        { attrs: { href: segment.href, target: '_blank', rel: 'noopener noreferrer' } },
        segment.text,
      );
      fragment.append(link);
    } else {
      const className = segment.me ? 'mention to-me' : 'mention';
      fragment.append(el('span', { className, data: { mention: segment.name } }, segment.text));
    }
  }
  return fragment;
}
