import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket as NetSocket } from 'node:net';
import { Server as EngineServer, type Socket as EngineSocket } from 'engine.io';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { takeOverFlushes } from './engine-internals.js';

// takeOverFlushes on a WebSocket, over a real engine.io server and a real ws client
// on 127.0.0.1: what the server writes to the connection, counted where Node hands it
// to the kernel (one `_write` or `_writev` per system call).

let server: Server;
let engine: EngineServer;
const clients: WebSocket[] = [];

afterEach(async () => {
  for (const client of clients.splice(0)) client.terminate();
  engine.close();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

interface Connected {
  socket: EngineSocket;
  client: WebSocket;
  /** Engine.io message packets the client received, in order. */
  received: string[];
  /** Writes the server's connection made since the handshake. */
  writes: Array<{ chunks: number }>;
}

async function connect(): Promise<Connected> {
  server = createServer();
  engine = new EngineServer({ pingInterval: 60_000, pingTimeout: 60_000 });
  engine.attach(server);
  const connected = once(engine, 'connection') as Promise<[EngineSocket]>;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const client = new WebSocket(`ws://127.0.0.1:${port}/engine.io/?EIO=4&transport=websocket`);
  clients.push(client);
  const received: string[] = [];
  client.on('message', (data: Buffer) => {
    const text = data.toString();
    if (text.startsWith('4')) received.push(text.slice(1));
  });
  const [socket] = await connected;
  takeOverFlushes(socket);
  // engine.io private: the WebSocket transport's `ws` socket, and ws's `_socket` under it.
  const connection = (socket as unknown as { transport: { socket: { _socket: NetSocket } } }).transport.socket
    ._socket as NetSocket & {
    _write(chunk: unknown, encoding: string, cb: () => void): void;
    _writev(chunks: unknown[], cb: () => void): void;
  };
  const writes: Array<{ chunks: number }> = [];
  const write = connection._write.bind(connection);
  const writev = connection._writev.bind(connection);
  connection._write = (chunk, encoding, cb) => {
    writes.push({ chunks: 1 });
    write(chunk, encoding, cb);
  };
  connection._writev = (chunks, cb) => {
    writes.push({ chunks: chunks.length });
    writev(chunks, cb);
  };
  return { socket, client, received, writes };
}

async function until(what: string, done: () => boolean): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('takeOverFlushes on a WebSocket', () => {
  it('writes the packets queued in one tick in one system call, in order', async () => {
    const { socket, received, writes } = await connect();
    const texts = ['one', 'two', 'three', 'four', 'five'];
    for (const text of texts) socket.send(text);
    await until('the five packets', () => received.length === 5);
    expect(received).toEqual(texts);
    // engine.io alone: the first frame at once, the other four after its write completes.
    expect(writes).toEqual([{ chunks: 10 }]);
  });

  it('sends a packet queued on its own without waiting for another', async () => {
    const { socket, received } = await connect();
    socket.send('first');
    await until('the first packet', () => received.length === 1);
    socket.send('second');
    await until('the second packet', () => received.length === 2);
    expect(received).toEqual(['first', 'second']);
  });

  it('sends what was queued before a close, then closes', async () => {
    const { socket, client, received } = await connect();
    const closed = once(client, 'close');
    socket.send('last words');
    socket.close();
    await closed;
    expect(received).toEqual(['last words']);
  });
});
