import { describe, expect, it } from 'vitest';
import { typingLine } from './typing-line.js';

describe('typingLine', () => {
  it('names one or two typists and counts the rest', () => {
    expect(typingLine([])).toBe('');
    expect(typingLine(['bob'])).toBe('bob is typing…');
    expect(typingLine(['bob', 'carol'])).toBe('bob and carol are typing…');
    expect(typingLine(['bob', 'carol', 'dan'])).toBe('bob, carol and 1 other are typing…');
    expect(typingLine(['bob', 'carol', 'dan', 'eve'])).toBe('bob, carol and 2 others are typing…');
  });
});
