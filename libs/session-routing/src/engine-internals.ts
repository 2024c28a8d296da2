import type { IncomingMessage } from 'node:http';
import type { Socket as NetSocket } from 'node:net';
import type { Server as EngineServer, Socket as EngineSocket } from 'engine.io';
import type { SessionId } from '@app/cluster';
import type { HeldSocket, PollAnswerHold } from './poll-answer-hold.js';

// The only file that reaches past engine.io's typed surface (checked against
// engine.io 6.6). Each use is marked; an engine.io upgrade starts its review here.
// Not exported from the lib's index: the rest of the lib goes through these functions.

/** The session id of an engine.io socket: the sid its client sends on every request. */
export function engineSessionId(socket: EngineSocket): SessionId {
  // engine.io private: `Socket.id` is typed private, though it is the session's public name.
  return (socket as unknown as { id: SessionId }).id;
}

/**
 * Answers the pending long-poll of each session with a no-op packet, so its
 * client polls again at once (through a node that is not draining).
 */
export function answerPendingPolls(engine: EngineServer, sids: Iterable<SessionId>): void {
  // engine.io private: `Server.clients` is protected and `Socket.sendPacket` private; a
  // no-op packet is how engine.io's own upgrade flushes a waiting poll.
  const clients = (
    engine as unknown as {
      clients?: Record<string, { sendPacket?(type: 'noop'): void } | undefined>;
    }
  ).clients;
  for (const sid of sids) clients?.[sid]?.sendPacket?.('noop');
}

/** Closes every session this engine holds, as a drain does, but leaves the engine serving. */
export function closeEverySession(engine: EngineServer): number {
  // engine.io private: `Server.clients` is protected; `Server.close()` would also close
  // the WebSocket server, and this node keeps serving the sessions that come next.
  // Discarding, as `Server.close()` does: a poll that never comes back cannot hold it open.
  const clients = (engine as unknown as { clients?: Record<string, EngineSocket | undefined> }).clients;
  const sockets = Object.values(clients ?? {}).filter((socket) => socket !== undefined);
  for (const socket of sockets) socket.close(true);
  return sockets.length;
}

/**
 * Closes the named sessions held here, each after its buffered packets (a WebSocket
 * gets a close frame and its client reconnects). Returns how many it found.
 */
export function closeSessions(engine: EngineServer, sids: readonly SessionId[]): number {
  // engine.io private: `Server.clients` is protected (see closeEverySession).
  const clients = (engine as unknown as { clients?: Record<string, EngineSocket | undefined> }).clients;
  let closed = 0;
  for (const sid of sids) {
    const socket = clients?.[sid];
    if (!socket) continue;
    socket.close();
    closed += 1;
  }
  return closed;
}

/**
 * Reports whether a long-poll was waiting when the socket's polling transport
 * closed (the client's close packet ends it there). Only engine.io knows, for an
 * instant: its polling transport answers that poll with a no-op and then emits
 * 'close'. Read once the socket has closed.
 */
export function pollWaitingAtClose(socket: EngineSocket): () => boolean {
  // engine.io private: `Polling.onClose` answers a waiting poll (`writable`) and then
  // closes; wrapped on this transport only, it notes `writable` first.
  const transport = socket.transport as unknown as { writable?: boolean; onClose(): void };
  let waiting = false;
  const onClose = transport.onClose.bind(transport);
  transport.onClose = () => {
    waiting = transport.writable === true;
    onClose();
  };
  return () => waiting;
}

/**
 * Takes over a socket's flushes: engine.io calls `flush` when a packet is queued,
 * when a poll arrives and when a WebSocket write completes, and writes at once.
 *
 * - On a WebSocket, the flushes of one tick become one, at its end, with every
 *   frame in a single write: the messages one Redis read brings for a client
 *   leave together, one system call instead of one per frame (and nginx and the
 *   client read them at once). Nothing waits for a later event.
 * - On long-polling, they go through `makeHold`'s PollAnswerHold when given (poll
 *   batching), else straight to engine.io.
 *
 * The transport is read at each flush, so an upgrade needs nothing; a socket that
 * is closing flushes at once, as engine.io would, since its transport may close
 * within the tick.
 */
export function takeOverFlushes(
  socket: EngineSocket,
  makeHold?: (socket: HeldSocket) => PollAnswerHold,
): void {
  // engine.io private: `Socket.flush` and `writeBuffer` are private, `transport.writable`
  // untyped, and the WebSocket transport's `socket` is the `ws` one, whose `_socket` is
  // private to ws. Every flush engine.io makes goes through `this.flush()`, so an own
  // property takes them all (checked against engine.io 6.6 and ws 8).
  const internals = socket as unknown as {
    flush(): void;
    writeBuffer: unknown[];
    readyState: string;
    transport: { name: string; writable: boolean; socket?: { _socket?: Pick<NetSocket, 'cork' | 'uncork'> } };
  };
  const ownFlush = internals.flush.bind(internals);
  const hold = makeHold?.({
    openPolling: () => internals.readyState === 'open' && internals.transport.name === 'polling',
    pollWaiting: () => internals.transport.writable,
    queued: () => internals.writeBuffer.length,
    flushNow: ownFlush,
  });
  const flushPolling = hold ? () => hold.flush() : ownFlush;
  let flushDue = false;
  const flushWebSocket = (): void => {
    flushDue = false;
    // ws corks each frame's header and body; corked around them all, they leave in one writev.
    const connection = internals.transport.socket?._socket;
    connection?.cork();
    try {
      ownFlush();
    } finally {
      connection?.uncork();
    }
  };
  internals.flush = () => {
    if (internals.transport.name !== 'websocket') return flushPolling();
    if (internals.readyState !== 'open') return flushWebSocket();
    if (flushDue) return;
    flushDue = true;
    process.nextTick(flushWebSocket);
  };
  if (!hold) return;
  socket.once('upgrade', () => hold.stop());
  socket.once('close', () => hold.stop());
}

/** Gives engine.io a request's query as read already, so it does not parse the URL again. */
export function shareQueryWithEngine(req: IncomingMessage, query: Record<string, string>): void {
  // engine.io private: `prepare` keeps a request's existing `_query` (it is there for connect).
  (req as IncomingMessage & { _query?: Record<string, string> })._query = query;
}
