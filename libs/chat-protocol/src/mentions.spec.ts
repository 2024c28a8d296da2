import { describe, expect, it } from 'vitest';
import { findMentions, mentionsName } from './mentions.js';

describe('findMentions', () => {
  it('finds each @name with its place, not e-mail addresses', () => {
    expect(findMentions('hi @bob and @Zoë_2. mail me at a@b.c')).toEqual([
      { start: 3, end: 7, name: 'bob' },
      { start: 12, end: 18, name: 'Zoë_2' },
    ]);
    expect(findMentions('no mention @ here')).toEqual([]);
  });
});

describe('mentionsName', () => {
  it('matches the whole name, case-insensitively, even with spaces', () => {
    expect(mentionsName('hey @Bob!', 'bob')).toBe(true);
    expect(mentionsName('hey @bobby', 'bob')).toBe(false);
    expect(mentionsName('ask @ann lee', 'Ann Lee')).toBe(true);
    expect(mentionsName('x@bob', 'bob')).toBe(false);
    expect(mentionsName('@bob', '  ')).toBe(false);
  });
});
