import { Inject } from '@nestjs/common';
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
import { CHAT_NAMESPACE, ChatEvent } from './chat-protocol.js';
import { ChatService, type Ack as AckFn, type ChatSocket } from './chat-service.js';

/** The engine.io session id, the key the cluster routes and logs by. */
function sessionIdOf(socket: Socket): string {
  // engine.io's types mark the id private, though it is the session's public name.
  return (socket.conn as unknown as { id: string }).id;
}

/** The `/chat` namespace: Nest's face of the ChatService. */
@WebSocketGateway({ namespace: CHAT_NAMESPACE })
export class ChatGateway implements OnGatewayInit, OnGatewayConnection, OnGatewayDisconnect {
  constructor(@Inject(ChatService) private readonly chat: ChatService) {}

  afterInit(namespace: Namespace): void {
    this.chat.bind(namespace);
    namespace.use((socket, next) => {
      const problem = this.chat.authenticate(socket as ChatSocket);
      next(problem ? new Error(problem) : undefined);
    });
  }

  async handleConnection(socket: ChatSocket): Promise<void> {
    await this.chat.onConnect(socket, sessionIdOf(socket));
  }

  async handleDisconnect(socket: ChatSocket): Promise<void> {
    await this.chat.onDisconnect(socket);
  }

  @SubscribeMessage(ChatEvent.JoinRoom)
  join(
    @ConnectedSocket() socket: ChatSocket,
    @MessageBody() payload: unknown,
    @Ack() ack: AckFn,
  ): Promise<void> {
    return this.chat.join(socket, payload, ack);
  }

  @SubscribeMessage(ChatEvent.LeaveRoom)
  leave(
    @ConnectedSocket() socket: ChatSocket,
    @MessageBody() payload: unknown,
    @Ack() ack: AckFn,
  ): Promise<void> {
    return this.chat.leave(socket, payload, ack);
  }

  @SubscribeMessage(ChatEvent.ChatMessage)
  send(
    @ConnectedSocket() socket: ChatSocket,
    @MessageBody() payload: unknown,
    @Ack() ack: AckFn,
  ): Promise<void> {
    return this.chat.send(socket, payload, ack);
  }

  @SubscribeMessage(ChatEvent.History)
  history(
    @ConnectedSocket() socket: ChatSocket,
    @MessageBody() payload: unknown,
    @Ack() ack: AckFn,
  ): Promise<void> {
    return this.chat.olderPage(socket, payload, ack);
  }

  @SubscribeMessage(ChatEvent.Resume)
  resume(
    @ConnectedSocket() socket: ChatSocket,
    @MessageBody() payload: unknown,
    @Ack() ack: AckFn,
  ): Promise<void> {
    return this.chat.resume(socket, payload, ack);
  }

  @SubscribeMessage(ChatEvent.Members)
  members(
    @ConnectedSocket() socket: ChatSocket,
    @MessageBody() payload: unknown,
    @Ack() ack: AckFn,
  ): Promise<void> {
    return this.chat.members(socket, payload, ack);
  }

  @SubscribeMessage(ChatEvent.Rooms)
  rooms(@ConnectedSocket() socket: ChatSocket, @Ack() ack: AckFn): Promise<void> {
    return this.chat.rooms(socket, ack);
  }
}
