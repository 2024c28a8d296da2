/**
 * The conventional setup ringchat is compared with (`npm run bench`): one plain
 * socket.io node with `@socket.io/redis-adapter`, no session routing, no storage.
 * Behind a round-robin balancer it works for WebSocket-only clients only: a
 * polling session lives on the node that made it, and the next request of the
 * session usually reaches another one.
 *
 * The seed chat protocol on namespace /chat: the user comes from `auth.user` or
 * the query parameter `user`; `join room` {room} joins and announces
 * {room, user} to the room; `chat message` {room, message} sends
 * {room, user, message} to the room (sender included); `leave room` {room}
 * announces and leaves. Acks, when the client asks for one, are `{ok: true}`.
 *
 *   PORT=3000 REDIS_URL=redis://127.0.0.1:6379 NODE_ID=peer1 \
 *     node --import ./bench/register.mjs bench/peer/plain-node.ts
 *
 * HTTP: GET /healthz (200), GET /readyz (200 once Redis is connected), GET /stats
 * ({node, clients}: engine.io sessions on this node). Every response carries
 * `x-node`. SIGTERM or SIGINT closes the server and exits.
 */
import { createServer } from 'node:http';
import { createAdapter } from '@socket.io/redis-adapter';
import { Redis } from 'ioredis';
import { Server, type Socket } from 'socket.io';

const port = Number(process.env.PORT ?? 3000);
const host = process.env.HOST ?? '127.0.0.1';
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const nodeId = process.env.NODE_ID ?? `peer-${port}`;

function log(message: string): void {
  process.stdout.write(`[${nodeId}] ${new Date().toISOString().slice(11, 23)} ${message}\n`);
}

const pub = new Redis(redisUrl);
const sub = pub.duplicate();
for (const client of [pub, sub]) client.on('error', (error: Error) => log(`redis: ${error.message}`));

const http = createServer((req, res) => {
  res.setHeader('x-node', nodeId);
  const path = (req.url ?? '/').split('?')[0];
  if (path === '/healthz') {
    res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
  } else if (path === '/readyz') {
    const ready = pub.status === 'ready' && sub.status === 'ready';
    res.writeHead(ready ? 200 : 503, { 'content-type': 'text/plain' }).end(ready ? 'ready\n' : 'redis\n');
  } else if (path === '/stats') {
    res
      .writeHead(200, { 'content-type': 'application/json' })
      .end(JSON.stringify({ node: nodeId, clients: io.engine.clientsCount }));
  } else {
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
  }
});

const io = new Server(http, { serveClient: false, adapter: createAdapter(pub, sub) });
const chat = io.of('/chat');

chat.use((socket, next) => {
  const raw: unknown = socket.handshake.auth?.user ?? socket.handshake.query.user;
  const user = typeof raw === 'string' ? raw.trim() : '';
  if (!user) return next(new Error('a user name is required (auth.user or ?user=)'));
  socket.data.user = user;
  next();
});

type Ack = ((answer: object) => void) | undefined;

function roomOf(payload: unknown): string | undefined {
  const room = (payload as { room?: unknown } | null)?.room;
  return typeof room === 'string' && room.length > 0 ? room : undefined;
}

chat.on('connection', (socket: Socket) => {
  const user = socket.data.user as string;
  socket.on('join room', (payload: unknown, ack: Ack) => {
    const room = roomOf(payload);
    if (!room) return ack?.({ error: 'room required' });
    void socket.join(room);
    chat.to(room).emit('join room', { room, user });
    ack?.({ ok: true });
  });
  socket.on('leave room', (payload: unknown, ack: Ack) => {
    const room = roomOf(payload);
    if (!room) return ack?.({ error: 'room required' });
    chat.to(room).emit('leave room', { room, user });
    void socket.leave(room);
    ack?.({ ok: true });
  });
  socket.on('chat message', (payload: unknown, ack: Ack) => {
    const room = roomOf(payload);
    const message = (payload as { message?: unknown } | null)?.message;
    if (!room || typeof message !== 'string') return ack?.({ error: 'room and message required' });
    chat.to(room).emit('chat message', { room, user, message });
    ack?.({ ok: true });
  });
});

http.listen(port, host, () => log(`listening on http://${host}:${port} (redis ${redisUrl})`));

function shutdown(signal: string): void {
  log(`${signal}: closing`);
  const timer = setTimeout(() => process.exit(0), 3000);
  timer.unref();
  void io.close(() => {
    pub.disconnect();
    sub.disconnect();
    process.exit(0);
  });
}
process.once('SIGTERM', () => shutdown('SIGTERM'));
process.once('SIGINT', () => shutdown('SIGINT'));
