import {
  ChatEvent,
  ErrorCode,
  type DirectEvent,
  type Refusal,
  type RoomListEvent,
  type SendAnswer,
} from '@app/chat-protocol';
import type { Log } from '@app/logging';
import type { ResolvedChatOptions } from './chat-options.js';
import type { Ack, ChatNamespace, ChatSocket } from './chat-service.js';
import { identityChannel } from './conversation-keys.js';
import {
  checkDeleteRequest,
  checkEditRequest,
  checkOpenDirect,
  checkRoomListRequest,
  checkTypingRequest,
} from './conversation-validation.js';
import { isDirectRoom } from './direct-room-names.js';
import type { DirectRooms } from './direct-rooms.js';
import { participantOf } from './handshake-identity.js';
import type { ChangeOutcome, EditableRoomHistory } from './message-edits.js';
import type { MemberCounts, RoomActivity } from './room-activity.js';
import { TypingRelay } from './typing-relay.js';

/** What the conversation features borrow from the ChatService. */
export interface ConversationHooks {
  /** Answers a refused request (by its ack, else an `error` event). */
  refuse(socket: ChatSocket, ack: Ack<never>, event: string, refusal: Refusal): void;
  /** Whether the connection is in the room, once what it has queued (a join, a resume) ran. */
  isMemberOnceEntered(socket: ChatSocket, room: string): Promise<boolean>;
}

/** The stores the conversation features use. */
export interface ConversationStores {
  history: EditableRoomHistory;
  activity: RoomActivity;
  directs: DirectRooms;
  memberCounts: MemberCounts;
}

type Handler = (
  socket: ChatSocket,
  payload: unknown,
  ack: ((answer: object) => void) | undefined,
) => Promise<void>;

const CHANGE_REFUSALS: Record<'missing' | 'forbidden' | 'deleted', (id: string) => Refusal> = {
  missing: (id) => ({ error: `no message ${id} in this room`, code: ErrorCode.Invalid }),
  forbidden: () => ({ error: 'only its author may edit or delete a message', code: ErrorCode.Forbidden }),
  deleted: (id) => ({ error: `message ${id} was deleted`, code: ErrorCode.Invalid }),
};

/**
 * Edits and deletes, typing, the rooms list and direct rooms: the protocol's
 * additions beside messages and presence, on one node. The ChatService
 * dispatches their events here and tells of joins, leaves and disconnects.
 */
export class Conversation {
  private namespace!: ChatNamespace;
  private hooks!: ConversationHooks;
  private readonly typing: TypingRelay;

  constructor(
    private readonly options: ResolvedChatOptions,
    private readonly stores: ConversationStores,
    private readonly log: Log,
  ) {
    this.typing = new TypingRelay({ intervalMs: options.typingIntervalMs, expiryMs: options.typingExpiryMs });
  }

  bind(namespace: ChatNamespace, hooks: ConversationHooks): void {
    this.namespace = namespace;
    this.hooks = hooks;
  }

  /** The events handled here, for the ChatService's dispatch. */
  handlers(): Array<[string, Handler]> {
    return [
      [ChatEvent.EditMessage, (socket, payload, ack) => this.edit(socket, payload, ack)],
      [ChatEvent.DeleteMessage, (socket, payload, ack) => this.remove(socket, payload, ack)],
      [ChatEvent.Typing, (socket, payload, ack) => this.onTyping(socket, payload, ack)],
      [ChatEvent.RoomList, (socket, payload, ack) => this.roomList(socket, payload, ack)],
      [ChatEvent.OpenDirect, (socket, payload, ack) => this.openDirect(socket, payload, ack)],
    ];
  }

  /** A new connection hears of direct rooms opened with it, and gets its rooms list at once. */
  async onConnect(socket: ChatSocket): Promise<void> {
    await socket.join(identityChannel(socket.data.identity.id));
    const rooms = await this.listFor(socket, this.options.roomsPageMax);
    if (socket.connected) socket.emit(ChatEvent.RoomList, { rooms });
  }

  onDisconnect(socket: ChatSocket): void {
    this.typing.clearAll(socket, participantOf(socket.data.identity));
  }

  /** The first of `rooms` that is a direct room of others, as a refusal. */
  async forbiddenDirect(socket: ChatSocket, rooms: string[]): Promise<Refusal | undefined> {
    const userId = socket.data.identity.id;
    for (const room of rooms) {
      if (!(await this.stores.directs.mayEnter(userId, room))) {
        return { error: `room ${room} is a direct room of two others`, code: ErrorCode.Forbidden };
      }
    }
    return undefined;
  }

  /**
   * A connection entered a room: the room was active; in a direct room its name
   * labels it. Best effort, in the background: it never delays or fails a join.
   */
  entered(socket: ChatSocket, room: string): void {
    const who = participantOf(socket.data.identity);
    this.inBackground(room, this.stores.activity.touch(room));
    if (isDirectRoom(room)) this.inBackground(room, this.stores.directs.noteName(room, who));
  }

  /** A connection left a room: it types there no more, and the room was active. */
  left(socket: ChatSocket, room: string): void {
    this.typing.clear(socket, participantOf(socket.data.identity), room);
    this.inBackground(room, this.stores.activity.touch(room));
  }

  private inBackground(room: string, work: Promise<void>): void {
    work.catch((error: Error) => this.log.warn(`rooms list activity of ${room} not kept: ${error.message}`));
  }

  /** A connection sent a message: its next `typing` goes out at once. */
  sent(socket: ChatSocket, room: string): void {
    this.typing.clear(socket, participantOf(socket.data.identity), room);
  }

  async edit(socket: ChatSocket, payload: unknown, ack: Ack<SendAnswer>): Promise<void> {
    const checked = checkEditRequest(payload, this.messageLimits());
    if (!checked.ok) return this.hooks.refuse(socket, ack, ChatEvent.EditMessage, checked);
    const { room, id, message, clientMsgId } = checked.value;
    await this.change(socket, ack, ChatEvent.EditMessage, { room, id, message, clientMsgId, kind: 'edit' });
  }

  async remove(socket: ChatSocket, payload: unknown, ack: Ack<SendAnswer>): Promise<void> {
    const checked = checkDeleteRequest(payload, this.messageLimits());
    if (!checked.ok) return this.hooks.refuse(socket, ack, ChatEvent.DeleteMessage, checked);
    const { room, id, clientMsgId } = checked.value;
    await this.change(socket, ack, ChatEvent.DeleteMessage, {
      room,
      id,
      message: '',
      clientMsgId,
      kind: 'delete',
    });
  }

  private async change(
    socket: ChatSocket,
    ack: Ack<SendAnswer>,
    event: string,
    request: { room: string; id: string; message: string; clientMsgId?: string; kind: 'edit' | 'delete' },
  ): Promise<void> {
    const { room, id, message, clientMsgId, kind } = request;
    if (!(await this.hooks.isMemberOnceEntered(socket, room))) {
      return this.hooks.refuse(socket, ack, event, {
        error: `join room ${room} first`,
        code: ErrorCode.NotMember,
      });
    }
    const outcome: ChangeOutcome = await this.stores.history.appendChange({
      room,
      ...participantOf(socket.data.identity),
      message,
      node: this.options.nodeId,
      clientMsgId,
      kind,
      target: id,
    });
    if ('refused' in outcome)
      return this.hooks.refuse(socket, ack, event, CHANGE_REFUSALS[outcome.refused](id));
    ack?.({ ok: true, id: outcome.id, ...(outcome.duplicate ? { duplicate: true } : {}) });
  }

  async onTyping(socket: ChatSocket, payload: unknown, ack: Ack): Promise<void> {
    const checked = checkTypingRequest(payload);
    if (!checked.ok) return this.hooks.refuse(socket, ack, ChatEvent.Typing, checked);
    const { room, stopped } = checked.value;
    if (!socket.data.rooms.has(room)) {
      const refusal = { error: `join room ${room} first`, code: ErrorCode.NotMember };
      return this.hooks.refuse(socket, ack, ChatEvent.Typing, refusal);
    }
    this.typing.relay(socket, participantOf(socket.data.identity), room, stopped);
    ack?.({ ok: true });
  }

  async roomList(socket: ChatSocket, payload: unknown, ack: Ack<RoomListEvent>): Promise<void> {
    const checked = checkRoomListRequest(payload, this.options.roomsPageMax);
    if (!checked.ok) return this.hooks.refuse(socket, ack, ChatEvent.RoomList, checked);
    const event: RoomListEvent = { rooms: await this.listFor(socket, checked.value.limit) };
    if (ack) ack({ ok: true, ...event });
    else socket.emit(ChatEvent.RoomList, event);
  }

  /** Opens the direct room with another identity; every connection of theirs hears of it. */
  async openDirect(socket: ChatSocket, payload: unknown, ack: Ack<DirectEvent>): Promise<void> {
    const me = participantOf(socket.data.identity);
    const checked = checkOpenDirect(payload, me.userId);
    if (!checked.ok) return this.hooks.refuse(socket, ack, ChatEvent.OpenDirect, checked);
    const { userId, user } = checked.value;
    const lastActivity = Date.now();
    const { directs, memberCounts } = this.stores;
    if (!(await directs.mayOpen(me.userId, userId, this.options.directRoomsMax))) {
      const error = `at most ${this.options.directRoomsMax} direct rooms: this identity has as many`;
      return this.hooks.refuse(socket, ack, ChatEvent.OpenDirect, { error, code: ErrorCode.TooManyRooms });
    }
    const room = await directs.open(me, { userId, user, guest: userId.startsWith('g_') }, lastActivity);
    const [[members], peer] = await Promise.all([memberCounts([room]), directs.peerOf(room, me.userId)]);
    const opened: Omit<DirectEvent, 'direct'> = { room, members, lastActivity };
    this.namespace.to(identityChannel(userId)).emit(ChatEvent.Direct, { ...opened, direct: me });
    this.log.debug(`${me.userId} opened direct room ${room} with ${userId}`);
    const answer: DirectEvent = {
      ...opened,
      direct: peer ?? { userId, user, guest: userId.startsWith('g_') },
    };
    if (ack) ack({ ok: true, ...answer });
    else socket.emit(ChatEvent.Direct, answer);
  }

  private listFor(socket: ChatSocket, limit: number): ReturnType<RoomActivity['listFor']> {
    return this.stores.activity.listFor(socket.data.identity.id, limit);
  }

  private messageLimits(): { maxLength: number; maxBytes: number } {
    return { maxLength: this.options.messageMaxLength, maxBytes: this.options.messageMaxBytes };
  }
}
