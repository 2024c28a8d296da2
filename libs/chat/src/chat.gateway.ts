import { Inject, Logger } from '@nestjs/common';
import {
  WebSocketGateway,
  type OnGatewayConnection,
  type OnGatewayDisconnect,
  type OnGatewayInit,
} from '@nestjs/websockets';
import { CHAT_NAMESPACE, ErrorCode, type HandshakeRefusal } from '@app/chat-protocol';
import { ChatService, type ChatNamespace, type ChatSocket } from './chat-service.js';
import { sessionIdOf } from './connection-fields.js';
import { dropForRetry } from './drop-for-retry.js';

/**
 * The `/chat` namespace: Nest's face of the ChatService. Client events are
 * dispatched by the service from one middleware per connection rather than by
 * `@SubscribeMessage` handlers, each of which costs an RxJS pipeline per socket
 * per event (memory and CPU that 10,000 connections feel).
 */
@WebSocketGateway({ namespace: CHAT_NAMESPACE })
export class ChatGateway
  implements OnGatewayInit<ChatNamespace>, OnGatewayConnection<ChatSocket>, OnGatewayDisconnect<ChatSocket>
{
  private readonly logger = new Logger('Chat');

  constructor(@Inject(ChatService) private readonly chat: ChatService) {}

  afterInit(namespace: ChatNamespace): void {
    this.chat.bind(namespace);
    namespace.use((socket, next) => {
      this.chat.authenticate(socket).then(
        (refusal) => {
          if (!refusal) return next();
          // The client's connect_error carries the text as its message and the code as its data.
          const data: HandshakeRefusal = { code: refusal.code };
          next(Object.assign(new Error(refusal.error), { data }));
        },
        (error: Error) => {
          this.logger.error(`handshake check failed: ${error.message}`);
          const data: HandshakeRefusal = { code: ErrorCode.Unavailable };
          next(Object.assign(new Error('internal error, try again'), { data }));
        },
      );
    });
  }

  // Nest does not await these: a failure is logged here, never left unhandled.
  handleConnection(socket: ChatSocket): void {
    this.chat.onConnect(socket, sessionIdOf(socket)).catch((error: Error) => {
      this.logger.error(`connect of ${socket.data.user} failed: ${error.message}; dropped to retry`);
      dropForRetry(socket);
    });
  }

  handleDisconnect(socket: ChatSocket): void {
    this.chat.onDisconnect(socket).catch((error: Error) => {
      this.logger.warn(`clean-up after ${socket.data.user} failed: ${error.message}`);
    });
  }
}
