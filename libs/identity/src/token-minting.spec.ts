import { describe, expect, it } from 'vitest';
import { parseDuration } from './token-minting.js';

describe('parseDuration', () => {
  it('reads seconds, minutes, hours and days', () => {
    expect(parseDuration('90')).toBe(90);
    expect(parseDuration('45s')).toBe(45);
    expect(parseDuration('30m')).toBe(1800);
    expect(parseDuration('1h')).toBe(3600);
    expect(parseDuration('7d')).toBe(604800);
  });

  it('refuses zero, negatives and other units', () => {
    for (const text of ['0', '-5m', '1w', '1.5h', 'soon', '']) expect(parseDuration(text)).toBeUndefined();
  });
});
