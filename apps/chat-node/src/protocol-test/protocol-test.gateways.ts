import { WebSocketGateway, type OnGatewayConnection } from '@nestjs/websockets';
import type { Socket } from 'socket.io';

/**
 * The handlers of the official socket.io protocol test suite's reference server
 * (RINGCHAT_PROFILE=protocol-test): every connection is told its handshake auth;
 * on the main namespace `message` is echoed as `message-back` and
 * `message-with-ack` is acknowledged, both with the very same arguments.
 */
function sendAuth(socket: Socket): void {
  socket.emit('auth', socket.handshake.auth);
}

@WebSocketGateway()
export class MainNamespaceGateway implements OnGatewayConnection {
  handleConnection(socket: Socket): void {
    sendAuth(socket);
    socket.on('message', (...args: unknown[]) => socket.emit('message-back', ...args));
    socket.on('message-with-ack', (...args: unknown[]) => {
      const ack = args.pop();
      if (typeof ack === 'function') (ack as (...answer: unknown[]) => void)(...args);
    });
  }
}

@WebSocketGateway({ namespace: '/custom' })
export class CustomNamespaceGateway implements OnGatewayConnection {
  handleConnection(socket: Socket): void {
    sendAuth(socket);
  }
}
