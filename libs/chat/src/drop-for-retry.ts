import type { Socket } from 'socket.io';

/**
 * Ends a connection after a failure its client should retry past (Redis away at
 * its connect or resume): the engine.io connection under it closes, which
 * socket.io clients take as a lost transport and reconnect from, resuming
 * again. `socket.disconnect()` would be final: a client told "io server
 * disconnect" never reconnects by itself.
 */
export function dropForRetry(socket: Pick<Socket, 'conn'>): void {
  socket.conn.close();
}
