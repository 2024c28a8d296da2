import { describe, expect, it } from 'vitest';
import { checkChatMessage, checkRoom, checkRoomRequest, checkUser } from './chat-validation.js';

const checkChatMessage_ = (payload: unknown) => checkChatMessage(payload, 2000);

describe('chat validation', () => {
  it('accepts ordinary users and trims them', () => {
    expect(checkUser('  alice ')).toEqual({ ok: true, value: 'alice' });
    expect(checkUser('Zoë 🚀')).toEqual({ ok: true, value: 'Zoë 🚀' });
  });

  it.each([undefined, '', '   ', 42, 'x'.repeat(33), 'bad\nname'])('rejects user %j', (user) => {
    expect(checkUser(user).ok).toBe(false);
  });

  it('accepts room names of letters, digits, spaces and separators', () => {
    for (const room of ['general', 'Room 2', 'dev_ops-1.0', 'café']) {
      expect(checkRoom(room)).toEqual({ ok: true, value: room });
    }
  });

  it.each(['', ' ', '-lead', '<script>', 'a/b', 'x'.repeat(65), 7])('rejects room %j', (room) => {
    expect(checkRoom(room).ok).toBe(false);
  });

  it('checks request shapes', () => {
    expect(checkRoomRequest('general').ok).toBe(false);
    expect(checkRoomRequest(['general']).ok).toBe(false);
    expect(checkRoomRequest({ room: 'general' })).toEqual({
      ok: true,
      value: 'general',
    });
  });

  it('checks messages', () => {
    expect(checkChatMessage_({ room: 'a', message: 'hi' })).toEqual({
      ok: true,
      value: { room: 'a', message: 'hi' },
    });
    expect(checkChatMessage_({ room: 'a', message: '' }).ok).toBe(false);
    expect(checkChatMessage_({ room: 'a', message: 5 }).ok).toBe(false);
    expect(checkChatMessage_({ room: 'a', message: 'x'.repeat(2001) }).ok).toBe(false);
    expect(checkChatMessage_({ message: 'hi' }).ok).toBe(false);
    expect(checkChatMessage_(null).ok).toBe(false);
  });
});
