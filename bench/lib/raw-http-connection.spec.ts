import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { RawHttpConnection } from './raw-http-connection.js';

describe('RawHttpConnection', () => {
  let server: Server | undefined;
  afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

  /** A server that ends its keep-alive connection after every `closeEvery` answers, as nginx's keepalive_requests does. */
  async function listen(closeEvery: number): Promise<{ port: number; connections: () => number }> {
    let served = 0;
    let connections = 0;
    server = createServer((req, res) => {
      served += 1;
      const body = `answer ${served}`;
      res.setHeader('Content-Length', Buffer.byteLength(body));
      if (served % closeEvery === 0) res.setHeader('Connection', 'close');
      res.end(body);
    });
    server.on('connection', () => (connections += 1));
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    return { port: (server.address() as AddressInfo).port, connections: () => connections };
  }

  it('sends the next request on a new connection when the server closed the last one after its answer', async () => {
    const { port, connections } = await listen(3);
    const connection = new RawHttpConnection('127.0.0.1', port);
    const bodies: string[] = [];
    // Each request goes out the moment the answer before it resolves, as a poll loop does.
    for (let i = 0; i < 10; i++) bodies.push((await connection.request('GET', '/')).body);
    connection.close();
    expect(bodies).toEqual(Array.from({ length: 10 }, (_, i) => `answer ${i + 1}`));
    expect(connections()).toBe(4);
  });

  it('fails the request in flight when its connection closes before the answer', async () => {
    server = createServer((req) => req.socket.destroy());
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const connection = new RawHttpConnection('127.0.0.1', (server.address() as AddressInfo).port);
    await expect(connection.request('GET', '/')).rejects.toThrow('connection closed before the answer');
  });
});
