import {
  ErrorCode,
  type DeleteMessageRequest,
  type EditMessageRequest,
  type OpenDirectRequest,
  type TypingRequest,
} from '@app/chat-protocol';
import {
  checkChatMessage,
  checkRoomRequest,
  checkRoomsRequest,
  checkUser,
  isStreamId,
  type Checked,
  type MessageLimits,
} from './chat-validation.js';
import { isIdentityId } from './direct-room-names.js';

const invalid = (error: string): Checked<never> => ({ ok: false, error, code: ErrorCode.Invalid });

function field(payload: unknown, name: string): unknown {
  return typeof payload === 'object' && payload !== null
    ? (payload as Record<string, unknown>)[name]
    : undefined;
}

/** `edit message`: the room, text and clientMsgId as a message's, and the id of the message. */
export function checkEditRequest(payload: unknown, limits: MessageLimits): Checked<EditMessageRequest> {
  const id = field(payload, 'id');
  if (!isStreamId(id))
    return invalid('expected an object {room, id, message, clientMsgId?}: id must be a message id');
  const checked = checkChatMessage(payload, limits);
  return checked.ok ? { ok: true, value: { ...checked.value, id } } : checked;
}

/** `delete message`: the room and clientMsgId as a message's, and the id of the message. */
export function checkDeleteRequest(payload: unknown, limits: MessageLimits): Checked<DeleteMessageRequest> {
  const id = field(payload, 'id');
  if (!isStreamId(id)) return invalid('expected an object {room, id, clientMsgId?}: id must be a message id');
  // No text of its own: checked as a message with a stand-in text.
  const checked = checkChatMessage({ ...(payload as object), message: '-' }, limits);
  if (!checked.ok) return checked;
  const { room, clientMsgId } = checked.value;
  return { ok: true, value: { room, id, clientMsgId } };
}

export function checkTypingRequest(payload: unknown): Checked<Required<TypingRequest>> {
  const room = checkRoomRequest(payload);
  if (!room.ok) return room;
  const stopped = field(payload, 'stopped');
  if (stopped !== undefined && typeof stopped !== 'boolean') return invalid('stopped must be true or false');
  return { ok: true, value: { room: room.value, stopped: stopped === true } };
}

/** `room list`: no payload, `{}` or `{limit}`, cut to `maxLimit`. */
export function checkRoomListRequest(payload: unknown, maxLimit: number): Checked<{ limit: number }> {
  if (field(payload, 'cursor') !== undefined)
    return invalid('the rooms list has no pages: give a limit only');
  const checked = checkRoomsRequest(payload, maxLimit);
  return checked.ok ? { ok: true, value: { limit: checked.value.limit } } : checked;
}

/** `open direct`: another identity's id, and optionally its display name as the opener knows it. */
export function checkOpenDirect(payload: unknown, self: string): Checked<Required<OpenDirectRequest>> {
  const userId = field(payload, 'userId');
  if (!isIdentityId(userId))
    return invalid('expected an object {userId, user?}: userId must be an identity id');
  if (userId === self) return invalid('a direct room is with someone else');
  const user = field(payload, 'user');
  if (user === undefined) return { ok: true, value: { userId, user: userId } };
  const name = checkUser(user);
  return name.ok ? { ok: true, value: { userId, user: name.value } } : name;
}
