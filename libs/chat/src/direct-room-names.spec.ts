import { CHAT_LIMITS, ROOM_NAME_PATTERN } from '@app/chat-protocol';
import { describe, expect, it } from 'vitest';
import { directRoomName, isDirectRoom, isIdentityId } from './direct-room-names.js';

describe('directRoomName', () => {
  it('names one room per pair, whoever opens it, and a valid room name', () => {
    const room = directRoomName('g_alice123', 'u_bob');
    expect(directRoomName('u_bob', 'g_alice123')).toBe(room);
    expect(directRoomName('u_bob', 'g_carol999')).not.toBe(room);
    expect(isDirectRoom(room)).toBe(true);
    expect(ROOM_NAME_PATTERN.test(room)).toBe(true);
    expect(room.length).toBeLessThanOrEqual(CHAT_LIMITS.roomMaxLength);
  });

  it('accepts identity ids only', () => {
    expect(isIdentityId('g_abcdefgh')).toBe(true);
    expect(isIdentityId('u_auth0|42')).toBe(true);
    expect(isIdentityId('bob')).toBe(false);
    expect(isIdentityId('u_a b')).toBe(false);
    expect(isIdentityId(`u_${'x'.repeat(300)}`)).toBe(false);
  });
});
