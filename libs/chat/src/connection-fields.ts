import type { LogFields } from '@app/logging';
import type { Socket } from 'socket.io';

/** The engine.io session id, the key the cluster routes and logs by. */
export function sessionIdOf(socket: Pick<Socket, 'conn'>): string {
  // The session's own id is private in engine.io's types; its transport carries it publicly.
  return socket.conn.transport.sid;
}

/**
 * Where the client connects from: the address nginx appended to X-Forwarded-For
 * (the last entry: anything before it the client may have written itself), else
 * the socket's peer address.
 */
export function remoteAddressOf(socket: Pick<Socket, 'handshake'>): string {
  const forwarded = socket.handshake.headers['x-forwarded-for'];
  const last = (Array.isArray(forwarded) ? forwarded.at(-1) : forwarded)?.split(',').at(-1)?.trim();
  return last || socket.handshake.address;
}

/** The fields every log line about one connection carries: who and which session. */
export function connectionFields(
  socket: Pick<Socket, 'conn'> & { data: { user?: string; identity?: { id: string } } },
): LogFields {
  return { sid: sessionIdOf(socket), user: socket.data.user, uid: socket.data.identity?.id };
}
