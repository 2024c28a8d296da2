import { Inject, Logger } from '@nestjs/common';
import {
  WebSocketGateway,
  type OnGatewayConnection,
  type OnGatewayDisconnect,
  type OnGatewayInit,
} from '@nestjs/websockets';
import type { Namespace, Socket } from 'socket.io';
import { CHAT_NAMESPACE } from './chat-protocol.js';
import { ChatService, type ChatSocket } from './chat-service.js';

/** The engine.io session id, the key the cluster routes and logs by. */
function sessionIdOf(socket: Socket): string {
  // engine.io's types mark the id private, though it is the session's public name.
  return (socket.conn as unknown as { id: string }).id;
}

/**
 * The `/chat` namespace: Nest's face of the ChatService. Client events are
 * dispatched by the service from one middleware per connection rather than by
 * `@SubscribeMessage` handlers, each of which costs an RxJS pipeline per socket
 * per event (memory and CPU that 10,000 connections feel).
 */
@WebSocketGateway({ namespace: CHAT_NAMESPACE })
export class ChatGateway implements OnGatewayInit, OnGatewayConnection, OnGatewayDisconnect {
  private readonly logger = new Logger('Chat');

  constructor(@Inject(ChatService) private readonly chat: ChatService) {}

  afterInit(namespace: Namespace): void {
    this.chat.bind(namespace);
    namespace.use((socket, next) => {
      const problem = this.chat.authenticate(socket as ChatSocket);
      next(problem ? new Error(problem) : undefined);
    });
  }

  // Nest does not await these: a failure is logged here, never left unhandled.
  handleConnection(socket: ChatSocket): void {
    this.chat.onConnect(socket, sessionIdOf(socket)).catch((error: Error) => {
      this.logger.error(`connect of ${socket.data.user} failed: ${error.message}`);
      socket.disconnect(true);
    });
  }

  handleDisconnect(socket: ChatSocket): void {
    this.chat.onDisconnect(socket).catch((error: Error) => {
      this.logger.warn(`clean-up after ${socket.data.user} failed: ${error.message}`);
    });
  }
}
