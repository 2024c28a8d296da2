/**
 * A child process of the connections scenario (forked by connections.ts): opens
 * its share of WebSocket clients, keeps them open until told to close, and
 * reports over IPC. Two of these open the clients in parallel, so one process's
 * event loop does not cap the connect rate.
 */
import { io, type Socket } from 'socket.io-client';
import { nowMs } from './clock.js';

export interface OpenCommand {
  type: 'open';
  url: string;
  count: number;
  /** Connection attempts in flight at once. */
  concurrency: number;
  userPrefix: string;
  timeoutMs: number;
  /** Start no new connection after this (nowMs()). */
  deadline: number;
}

export interface WorkerProgress {
  type: 'progress';
  connected: number;
  failed: number;
}

export interface WorkerOpened {
  type: 'opened';
  connected: number;
  failed: number;
  /** Not attempted: the deadline came first. */
  skipped: number;
  errors: Record<string, number>;
  startedAt: number;
  finishedAt: number;
  /** Connected clients that lost their connection before the close. */
  droppedSoFar: number;
}

/** Answer to a `count` command: how many of the clients are still connected. */
export interface WorkerCount {
  type: 'count';
  open: number;
  dropped: number;
}

export type WorkerMessage = WorkerProgress | WorkerOpened | WorkerCount;
export type WorkerCommand = OpenCommand | { type: 'count' } | { type: 'close' };

const sockets: Socket[] = [];
let dropped = 0;
let closing = false;

function send(message: WorkerMessage): void {
  process.send?.(message);
}

async function open(command: OpenCommand): Promise<void> {
  const errors: Record<string, number> = {};
  let connected = 0;
  let failed = 0;
  let next = 0;
  const startedAt = nowMs();
  const timer = setInterval(() => send({ type: 'progress', connected, failed }), 1000);
  const attempt = (index: number): Promise<void> =>
    new Promise((resolve) => {
      const socket = io(`${command.url}/chat`, {
        auth: { user: `${command.userPrefix}${index}` },
        transports: ['websocket'],
        reconnection: false,
        forceNew: true,
        timeout: command.timeoutMs,
      });
      const fail = (reason: string): void => {
        failed += 1;
        const key = reason.slice(0, 120);
        if (key in errors || Object.keys(errors).length < 8) errors[key] = (errors[key] ?? 0) + 1;
        socket.close();
        resolve();
      };
      socket.once('connect', () => {
        connected += 1;
        sockets.push(socket);
        socket.once('disconnect', () => {
          if (!closing) dropped += 1;
        });
        resolve();
      });
      socket.once('connect_error', (error: Error) => fail(error.message));
    });
  const lane = async (): Promise<void> => {
    while (next < command.count && nowMs() < command.deadline) await attempt(next++);
  };
  await Promise.all(Array.from({ length: Math.min(command.concurrency, command.count) }, lane));
  clearInterval(timer);
  send({
    type: 'opened',
    connected,
    failed,
    skipped: command.count - next,
    errors,
    startedAt,
    finishedAt: nowMs(),
    droppedSoFar: dropped,
  });
}

process.on('message', (message: WorkerCommand) => {
  if (message.type === 'open') {
    void open(message);
  } else if (message.type === 'count') {
    send({ type: 'count', open: sockets.filter((socket) => socket.connected).length, dropped });
  } else if (message.type === 'close') {
    closing = true;
    for (const socket of sockets) socket.close();
    // Let the close frames go out before leaving.
    setTimeout(() => process.exit(0), 500);
  }
});
// The parent died: do not keep thousands of connections open.
process.on('disconnect', () => process.exit(0));
