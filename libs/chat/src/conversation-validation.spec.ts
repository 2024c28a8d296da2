import { describe, expect, it } from 'vitest';
import {
  checkDeleteRequest,
  checkEditRequest,
  checkOpenDirect,
  checkRoomListRequest,
  checkTypingRequest,
} from './conversation-validation.js';

const limits = { maxLength: 10, maxBytes: 40 };

describe('conversation requests', () => {
  it('checks an edit like a message, with the id of the message', () => {
    expect(checkEditRequest({ room: 'r', id: '5-1', message: 'new' }, limits)).toEqual({
      ok: true,
      value: { room: 'r', id: '5-1', message: 'new', clientMsgId: undefined },
    });
    expect(checkEditRequest({ room: 'r', id: 'x', message: 'new' }, limits)).toMatchObject({
      code: 'invalid',
    });
    expect(checkEditRequest({ room: 'r', id: '5-1', message: 'far too long a text' }, limits)).toMatchObject({
      code: 'too_large',
    });
  });

  it('checks a delete without text of its own', () => {
    expect(checkDeleteRequest({ room: 'r', id: '5-1', clientMsgId: 'c-1' }, limits)).toEqual({
      ok: true,
      value: { room: 'r', id: '5-1', clientMsgId: 'c-1' },
    });
    expect(checkDeleteRequest({ room: 'r', id: '5-1', clientMsgId: 'bad id' }, limits)).toMatchObject({
      code: 'invalid',
    });
    expect(checkDeleteRequest('5-1', limits)).toMatchObject({ code: 'invalid' });
  });

  it('checks typing, the rooms list and direct rooms', () => {
    expect(checkTypingRequest({ room: 'r' })).toEqual({ ok: true, value: { room: 'r', stopped: false } });
    expect(checkTypingRequest({ room: 'r', stopped: 'yes' })).toMatchObject({ code: 'invalid' });
    expect(checkRoomListRequest(undefined, 100)).toEqual({ ok: true, value: { limit: 100 } });
    expect(checkRoomListRequest({ limit: 500 }, 100)).toEqual({ ok: true, value: { limit: 100 } });
    expect(checkRoomListRequest({ cursor: 'a' }, 100)).toMatchObject({ code: 'invalid' });
    expect(checkOpenDirect({ userId: 'g_bobbobbob' }, 'g_me')).toEqual({
      ok: true,
      value: { userId: 'g_bobbobbob', user: 'g_bobbobbob' },
    });
    expect(checkOpenDirect({ userId: 'u_bob', user: 'Bob' }, 'g_me')).toMatchObject({
      value: { user: 'Bob' },
    });
    expect(checkOpenDirect({ userId: 'g_me' }, 'g_me')).toMatchObject({ code: 'invalid' });
    expect(checkOpenDirect({ userId: 'u_bob', user: '' }, 'g_me')).toMatchObject({ code: 'invalid' });
  });
});
