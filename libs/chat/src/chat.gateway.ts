import { Inject, Logger } from '@nestjs/common';
import {
  Ack,
  ConnectedSocket,
  MessageBody,
  SubscribeMessage,
  WebSocketGateway,
  type OnGatewayConnection,
  type OnGatewayDisconnect,
  type OnGatewayInit,
} from '@nestjs/websockets';
import type { Namespace, Socket } from 'socket.io';
import { CHAT_OPTIONS, type ChatOptions } from './chat-options.js';
import {
  CHAT_NAMESPACE,
  ChatEvent,
  type ChatAck,
  type ChatMessageEvent,
  type RoomEvent,
  type SessionEvent,
} from './chat-protocol.js';
import { checkChatMessage, checkRoomRequest, checkUser } from './chat-validation.js';

interface ChatSocketData {
  user: string;
}
type ChatSocket = Socket<Record<string, never>, Record<string, never>, Record<string, never>, ChatSocketData>;
/** The engine.io session id, the key the cluster routes and logs by. */
function sessionIdOf(socket: Socket): string {
  // engine.io types mark the id private, though it is the session's public name.
  return (socket.conn as unknown as { id: string }).id;
}

type AckFn = ((answer: ChatAck) => void) | undefined;

/**
 * The `/chat` namespace: rooms and messages. Broadcasts go through the
 * namespace's adapter (Redis), so members on every node receive them.
 */
@WebSocketGateway({ namespace: CHAT_NAMESPACE })
export class ChatGateway implements OnGatewayInit, OnGatewayConnection, OnGatewayDisconnect {
  private readonly logger = new Logger('Chat');
  private namespace!: Namespace;

  constructor(@Inject(CHAT_OPTIONS) private readonly options: ChatOptions) {}

  afterInit(namespace: Namespace): void {
    this.namespace = namespace;
    // The user is fixed at handshake; no event can claim another name.
    namespace.use((socket, next) => {
      const user = checkUser(socket.handshake.auth?.user ?? socket.handshake.query.user);
      if (!user.ok) return next(new Error(user.error));
      (socket as ChatSocket).data.user = user.value;
      next();
    });
  }

  handleConnection(socket: ChatSocket): void {
    const sid = sessionIdOf(socket);
    this.logger.debug(`${socket.data.user} connected (session ${sid})`);
    const session: SessionEvent = {
      user: socket.data.user,
      node: this.options.nodeId,
      sid,
    };
    (socket as Socket).emit(ChatEvent.Session, session);
  }

  handleDisconnect(socket: ChatSocket): void {
    this.logger.debug(`${socket.data.user} disconnected (session ${sessionIdOf(socket)})`);
  }

  @SubscribeMessage(ChatEvent.JoinRoom)
  async join(
    @ConnectedSocket() socket: ChatSocket,
    @MessageBody() payload: unknown,
    @Ack() ack: AckFn,
  ): Promise<void> {
    const room = checkRoomRequest(payload);
    if (!room.ok) return this.reject(socket, ack, ChatEvent.JoinRoom, room.error);
    await socket.join(room.value);
    const event: RoomEvent = { room: room.value, user: socket.data.user };
    this.namespace.to(room.value).emit(ChatEvent.JoinRoom, event);
    ack?.({ ok: true });
  }

  @SubscribeMessage(ChatEvent.LeaveRoom)
  async leave(
    @ConnectedSocket() socket: ChatSocket,
    @MessageBody() payload: unknown,
    @Ack() ack: AckFn,
  ): Promise<void> {
    const room = checkRoomRequest(payload);
    if (!room.ok) return this.reject(socket, ack, ChatEvent.LeaveRoom, room.error);
    if (!socket.rooms.has(room.value)) {
      return this.reject(socket, ack, ChatEvent.LeaveRoom, `not in room ${room.value}`);
    }
    // Announce first, so the leaver receives its own leave event.
    const event: RoomEvent = { room: room.value, user: socket.data.user };
    this.namespace.to(room.value).emit(ChatEvent.LeaveRoom, event);
    await socket.leave(room.value);
    ack?.({ ok: true });
  }

  @SubscribeMessage(ChatEvent.ChatMessage)
  send(@ConnectedSocket() socket: ChatSocket, @MessageBody() payload: unknown, @Ack() ack: AckFn): void {
    const checked = checkChatMessage(payload);
    if (!checked.ok) return this.reject(socket, ack, ChatEvent.ChatMessage, checked.error);
    const { room, message } = checked.value;
    if (!socket.rooms.has(room)) {
      return this.reject(socket, ack, ChatEvent.ChatMessage, `join room ${room} first`);
    }
    const event: ChatMessageEvent = { room, user: socket.data.user, message };
    this.namespace.to(room).emit(ChatEvent.ChatMessage, event);
    ack?.({ ok: true });
  }

  /** Bad input: the sender hears why, by its ack or else by an `error` event. */
  private reject(socket: ChatSocket, ack: AckFn, event: string, error: string): void {
    this.logger.debug(`rejected ${event} from ${socket.data.user}: ${error}`);
    if (ack) ack({ error });
    else (socket as Socket).emit(ChatEvent.Error, { event, error });
  }
}
