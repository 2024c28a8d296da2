import type { ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';

/**
 * engine.io's own answer for a session it cannot serve. Clients treat it as a
 * dead session and reconnect, which is what we want when an owner is gone.
 */
const SESSION_UNKNOWN = JSON.stringify({
  code: 1,
  message: 'Session ID unknown',
});

export function answerSessionUnknown(res: ServerResponse): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.writeHead(400, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(SESSION_UNKNOWN),
  });
  res.end(SESSION_UNKNOWN);
}

/** The same answer written on a raw upgrade socket, then closed. */
export function answerUpgradeSessionUnknown(socket: Duplex): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  socket.end(
    'HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Type: application/json\r\n' +
      `Content-Length: ${Buffer.byteLength(SESSION_UNKNOWN)}\r\n\r\n${SESSION_UNKNOWN}`,
  );
}
