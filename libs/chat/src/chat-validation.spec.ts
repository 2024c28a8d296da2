import { describe, expect, it } from 'vitest';
import {
  checkChatMessage,
  checkHistoryRequest,
  checkRoom,
  checkRoomRequest,
  checkRoomsRequest,
  checkUser,
} from './chat-validation.js';

const checkChatMessage_ = (payload: unknown) =>
  checkChatMessage(payload, { maxLength: 2000, maxBytes: 16_384 });

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

  it('bounds a message in bytes as well as characters', () => {
    // One character of 32,001 bytes: a letter and 16,000 combining marks.
    const tower = 'a' + '\u0301'.repeat(16_000);
    expect(checkChatMessage_({ room: 'a', message: 'x'.repeat(2000) }).ok).toBe(true);
    expect(checkChatMessage_({ room: 'a', message: tower })).toMatchObject({
      ok: false,
      code: 'too_large',
      error: 'message must be at most 16384 bytes (UTF-8)',
    });
    // 4,096 four-byte characters fit exactly.
    expect(
      checkChatMessage({ room: 'a', message: '🚀'.repeat(4096) }, { maxLength: 5000, maxBytes: 16_384 }).ok,
    ).toBe(true);
  });

  it('pages the room directory with a cursor, at most the server limit', () => {
    expect(checkRoomsRequest(undefined, 100)).toEqual({ ok: true, value: { limit: 100 } });
    expect(checkRoomsRequest({}, 100)).toEqual({ ok: true, value: { limit: 100 } });
    expect(checkRoomsRequest({ cursor: 'lobby', limit: 5000 }, 100)).toEqual({
      ok: true,
      value: { cursor: 'lobby', limit: 100 },
    });
    expect(checkRoomsRequest({ cursor: '<x>' }, 100).ok).toBe(false);
    expect(checkRoomsRequest({ limit: 0 }, 100).ok).toBe(false);
  });

  it('lets a catch-up ask for the most an answer holds, a page for the page size', () => {
    expect(checkHistoryRequest({ room: 'a', after: '1-0' }, 50, 200)).toMatchObject({
      value: { limit: 200 },
    });
    expect(checkHistoryRequest({ room: 'a' }, 50, 200)).toMatchObject({ value: { limit: 50 } });
    expect(checkHistoryRequest({ room: 'a', limit: 1e6 }, 50, 200)).toMatchObject({ value: { limit: 200 } });
  });
});
