import { request } from 'node:http';
import { WebSocket } from 'ws';
import { describe, expect, it } from 'vitest';
import { useCluster } from '../harness/index.js';

interface Answer {
  status: number;
  body: string;
}

/** A polling handshake through nginx, as a page from `origin` would send it. */
function pollingHandshake(base: string, origin?: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${base}/socket.io/?EIO=4&transport=polling`,
      { headers: origin ? { origin } : {} },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/** A WebSocket handshake through nginx from `origin`: opened, or the refusal's status and body. */
function websocketHandshake(base: string, origin: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`${base.replace('http', 'ws')}/socket.io/?EIO=4&transport=websocket`, {
      origin,
    });
    socket.once('open', () => {
      socket.close();
      resolve({ status: 101, body: '' });
    });
    socket.once('unexpected-response', (_req, res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    socket.once('error', reject);
  });
}

describe('the origin allow-list', () => {
  describe('by default: pages of the same host only', () => {
    const fixture = useCluster({ nodes: 2 });

    it('refuses polling and WebSocket handshakes from a page elsewhere, with the reason', async () => {
      const { url } = fixture.cluster;
      const polling = await pollingHandshake(url, 'http://evil.example');
      expect(polling.status).toBe(403);
      expect(JSON.parse(polling.body)).toEqual({
        code: 4,
        message: "this page's origin may not connect to this server (see ALLOWED_ORIGINS)",
      });
      // engine.io refuses every WebSocket handshake with 400 and the reason as the body.
      const websocket = await websocketHandshake(url, 'http://evil.example');
      expect(websocket).toEqual({
        status: 400,
        body: "this page's origin may not connect to this server (see ALLOWED_ORIGINS)",
      });
    });

    it('accepts the page of its own host, and clients that send no Origin', async () => {
      const { url } = fixture.cluster;
      // nginx passes Host without the port: the host name is what counts.
      expect((await pollingHandshake(url, url)).status).toBe(200);
      expect((await websocketHandshake(url, url)).status).toBe(101);
      expect((await pollingHandshake(url)).status).toBe(200);
    });
  });

  describe('with ALLOWED_ORIGINS', () => {
    const fixture = useCluster({ nodes: 2, nodeEnv: { ALLOWED_ORIGINS: 'https://app.example' } });

    it('accepts the listed origin exactly and still refuses others', async () => {
      const { url } = fixture.cluster;
      expect((await pollingHandshake(url, 'https://app.example')).status).toBe(200);
      expect((await websocketHandshake(url, 'https://app.example')).status).toBe(101);
      expect((await pollingHandshake(url, 'http://app.example')).status).toBe(403);
      expect((await websocketHandshake(url, 'https://evil.example')).status).toBe(400);
    });
  });
});
