import { Agent, createServer, request, type Server } from 'node:http';
import { afterAll, describe, expect, it } from 'vitest';
import { connectChat, useCluster, waitFor } from '../harness/index.js';

/**
 * Routing to a node that joined a moment ago. A peer learns of a join at its next
 * heartbeat (sooner when the join's announce reaches it), while the new node's
 * sessions' pins reach it by pub/sub at once: a request in between named an owner
 * the peer did not know, and was answered "Session ID unknown" — a live session
 * ended (the Redis Cluster polling test failed so, once in three full runs).
 *
 * Made deterministic: node1 is paused (SIGSTOP) while node3 joins and a client
 * opens a polling session on node3; the client's next request then waits on a
 * kept-alive connection to node1, which resumes with node3's announce and pin
 * queued and its view still without node3. Heartbeats far apart, so node1 does
 * not simply heartbeat first.
 */
describe('routing to a node that joined a moment ago', () => {
  const fixture = useCluster({
    nodes: 2,
    nodeEnv: { MEMBER_TTL_MS: '40000', HEARTBEAT_INTERVAL_MS: '15000' },
  });
  const front = steerableProxy();
  afterAll(() => front.close());

  it('a peer that has not seen it join yet forwards its session’s request to it: the session lives on', async () => {
    const behind = fixture.cluster.node('node1');
    await front.listen();
    await front.warm(behind.port);
    behind.process.kill('SIGSTOP');
    let joining: Promise<void> | undefined;
    try {
      const late = await fixture.cluster.addNode('node3');
      front.target = late.port;
      const client = await connectChat(front.url, 'late-poller', { transports: ['polling'] });
      fixture.clients.push(client);
      expect(client.session.node).toBe('node3');
      front.target = behind.port;
      joining = client.join('lobby');
      await waitFor('the join to wait at the paused node1', () =>
        front.sent.some((r) => r.method === 'POST' && r.port === behind.port),
      );
    } finally {
      behind.process.kill('SIGCONT');
    }
    await joining;
    // Reached through node1, served by its owner, node3.
    expect(front.answers.find((a) => a.method === 'POST' && a.node === 'node1')).toEqual({
      method: 'POST',
      status: 200,
      node: 'node1',
      owner: 'node3',
    });
  });
});

/**
 * A minimal HTTP proxy whose upstream port the test sets (`target`), over
 * kept-alive connections: a client's requests go where the test says.
 */
function steerableProxy() {
  const agent = new Agent({ keepAlive: true, maxSockets: 4 });
  const sent: Array<{ method: string; port: number }> = [];
  const answers: Array<{ method: string; status: number; node: unknown; owner: unknown }> = [];
  let server: Server | undefined;
  const proxy = {
    target: 0,
    url: '',
    sent,
    answers,
    async listen(): Promise<void> {
      server = createServer((req, res) => {
        const method = req.method ?? 'GET';
        const upstream = request(
          { host: '127.0.0.1', port: proxy.target, method, path: req.url, headers: req.headers, agent },
          (answer) => {
            const { 'x-node': node, 'x-owner': owner } = answer.headers;
            answers.push({ method, status: answer.statusCode ?? 0, node, owner });
            res.writeHead(answer.statusCode ?? 502, answer.headers);
            answer.pipe(res);
          },
        );
        sent.push({ method, port: proxy.target });
        upstream.on('error', () => res.destroy());
        req.pipe(upstream);
      });
      await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
      const address = server.address();
      proxy.url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    },
    /** Opens the pool's connections to `port` now, so later requests arrive on open sockets. */
    async warm(port: number): Promise<void> {
      await Promise.all(
        Array.from(
          { length: 4 },
          () =>
            new Promise<void>((resolve, reject) => {
              const probe = request({ host: '127.0.0.1', port, path: '/healthz', agent }, (answer) => {
                answer.resume();
                answer.on('end', resolve);
              });
              probe.on('error', reject);
              probe.end();
            }),
        ),
      );
    },
    close(): void {
      server?.close();
      server?.closeAllConnections();
      agent.destroy();
    },
  };
  return proxy;
}
