import { describe, expect, it } from 'vitest';
import { MAX_ROOM_RULES, RoomRules } from './room-rules.js';

describe('RoomRules', () => {
  it('allows exact names and prefix patterns only', () => {
    const rules = RoomRules.fromClaim(['general', 'team-*']);
    expect(rules?.allows('general')).toBe(true);
    expect(rules?.allows('team-blue')).toBe(true);
    expect(rules?.allows('team-')).toBe(true);
    expect(rules?.allows('generally')).toBe(false);
    expect(rules?.allows('random')).toBe(false);
    expect(rules?.toJSON()).toEqual(['general', 'team-*']);
  });

  it('reads a lone * as every room and no claim as no rules', () => {
    expect(RoomRules.fromClaim(['*'])?.allows('anything')).toBe(true);
    expect(RoomRules.fromClaim(undefined)).toBeUndefined();
    expect(RoomRules.fromClaim([])?.allows('general')).toBe(false);
  });

  it('refuses malformed claims with a reason', () => {
    expect(() => RoomRules.fromClaim('general')).toThrow(/list/);
    expect(() => RoomRules.fromClaim([42])).toThrow(/42/);
    expect(() => RoomRules.fromClaim(['a*b'])).toThrow(/prefix\*/);
    expect(() => RoomRules.fromClaim([''])).toThrow(/room name/);
    expect(() => RoomRules.fromClaim(Array.from({ length: MAX_ROOM_RULES + 1 }, (_, i) => `r${i}`))).toThrow(
      /at most/,
    );
  });
});
