import { describe, expect, it } from 'vitest';
import { segmentText } from './message-text.js';

describe('segmentText', () => {
  it('links http(s) URLs without their sentence punctuation, and nothing else', () => {
    expect(segmentText('see https://example.com/a?b=1. or (http://x.org/wiki/A_(b)) ok', '')).toEqual([
      { kind: 'text', text: 'see ' },
      { kind: 'link', text: 'https://example.com/a?b=1', href: 'https://example.com/a?b=1' },
      { kind: 'text', text: '. or (' },
      { kind: 'link', text: 'http://x.org/wiki/A_(b)', href: 'http://x.org/wiki/A_(b)' },
      { kind: 'text', text: ') ok' },
    ]);
    for (const text of ['javascript:alert(1)', 'data:text/html,x', 'xhttps://a.b', 'ftp://a.b', 'https://']) {
      expect(segmentText(text, '').every((s) => s.kind === 'text')).toBe(true);
    }
  });

  it("marks @mentions, the reader's own ones apart, and not e-mail addresses", () => {
    expect(segmentText('hi @Bob and @alice, mail me@host.org', 'bob')).toEqual([
      { kind: 'text', text: 'hi ' },
      { kind: 'mention', text: '@Bob', name: 'Bob', me: true },
      { kind: 'text', text: ' and ' },
      { kind: 'mention', text: '@alice', name: 'alice', me: false },
      { kind: 'text', text: ', mail me@host.org' },
    ]);
  });
});
