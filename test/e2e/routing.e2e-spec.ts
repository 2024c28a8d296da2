import { readFileSync } from 'node:fs';
import { Agent, get } from 'node:http';
import { createServer, type Server } from 'node:net';
import { connect } from 'node:net';
import { join } from 'node:path';
import ioV2 from 'socket.io-client-v2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  connectChat,
  freePort,
  waitFor,
  waitForEvents,
  useCluster,
  type ChatLine,
} from '../harness/index.js';

type Message = ChatLine;

const POLLING = { transports: ['polling'] };

describe('session routing through round-robin nginx', () => {
  const fixture = useCluster({ nodes: 3 });
  const clients = fixture.clients;

  it('serves 30 polling-only clients in 3 rooms for 10 s: every message to exactly its room', async () => {
    const members = await Promise.all(
      Array.from({ length: 30 }, (_, i) => connectChat(fixture.cluster.url, `poller${i}`, POLLING)),
    );
    clients.push(...members);
    const roomOf = (i: number): string => `room${i % 3}`;
    await Promise.all(members.map((client, i) => client.join(roomOf(i))));

    // Every client sends every 500 ms for 10 s, each send acknowledged.
    const sent: Message[] = [];
    const until = Date.now() + 10_000;
    await Promise.all(
      members.map(async (client, i) => {
        for (let n = 0; Date.now() < until; n++) {
          const message = `${client.user} #${n}`;
          expect(await client.request('chat message', { room: roomOf(i), message })).toMatchObject({
            ok: true,
            id: expect.any(String),
          });
          sent.push({ room: roomOf(i), user: client.user, message });
          await new Promise((resolve) => setTimeout(resolve, 500));
        }
      }),
    );
    expect(sent.length).toBeGreaterThan(400);

    for (const [i, client] of members.entries()) {
      const expected = sent
        .filter((m) => m.room === roomOf(i))
        .map((m) => m.message)
        .sort();
      const got = await waitForEvents<Message>(client, 'chat message', expected.length, 20_000);
      expect(got.every((m) => m.room === roomOf(i))).toBe(true);
      expect(got.map((m) => m.message).sort()).toEqual(expected);
    }

    // Proof of routing: each session's requests reached several nodes; only its
    // owner served them, the others forwarded them to it.
    for (const client of members) {
      const { sid, node: owner } = client.session;
      const servedBy = new Set(
        fixture.cluster
          .logsContaining(`request for ${sid}`)
          .filter((l) => l.includes('EngineIO - Received'))
          .map(tagOf),
      );
      const forwardedBy = new Set(
        fixture.cluster.logsContaining(`request for ${sid} -> ${owner}`).map(tagOf),
      );
      expect(servedBy).toEqual(new Set([owner]));
      expect(forwardedBy.size).toBeGreaterThanOrEqual(1);
      expect(forwardedBy.has(owner)).toBe(false);
    }
    const forwarded = members.reduce(
      (sum, c) => sum + fixture.cluster.logsContaining(`request for ${c.session.sid} -> `).length,
      0,
    );
    const deliveries = members.reduce((sum, c) => sum + c.events('chat message').length, 0);
    console.info(
      `[routing] 30 polling clients, ${sent.length} messages, ${deliveries} deliveries, ${forwarded} requests forwarded to owners`,
    );
    for (const client of members) client.close();
  }, 90_000);

  it('upgrades default-transport clients to WebSocket, and they keep chatting', async () => {
    const upgraders = await Promise.all(
      Array.from({ length: 6 }, (_, i) => connectChat(fixture.cluster.url, `upgrader${i}`)),
    );
    clients.push(...upgraders);
    await waitFor('every client to upgrade', () =>
      upgraders.every((client) => client.socket.io.engine.transport.name === 'websocket'),
    );
    await Promise.all(upgraders.map((client) => client.join('upgraded')));
    for (const client of upgraders)
      await client.request('chat message', { room: 'upgraded', message: `hi from ${client.user}` });
    for (const client of upgraders) {
      const got = await waitForEvents<Message>(client, 'chat message', upgraders.length);
      expect(got.map((m) => m.user).sort()).toEqual(upgraders.map((c) => c.user).sort());
    }
    // Every upgrade was served by its owner; those that nginx sent elsewhere were relayed.
    let relayed = 0;
    for (const { session } of upgraders) {
      const served = fixture.cluster.logsContaining(`Received WebSocket upgrade request for ${session.sid}`);
      expect(served.map(tagOf)).toEqual([session.node]);
      if (served[0].endsWith(')')) {
        relayed += 1;
        expect(
          fixture.cluster.logsContaining(`WebSocket upgrade request for ${session.sid} -> ${session.node}`),
        ).toHaveLength(1);
      }
    }
    // Six upgrades all landing on their owners by chance: (1/3)^6.
    expect(relayed).toBeGreaterThan(0);
  });

  it('lets a socket.io-client 2.x user chat with a 4.x user', async () => {
    const modern = await connectChat(fixture.cluster.url, 'modern', POLLING);
    clients.push(modern);
    const old = ioV2(`${fixture.cluster.url}/chat`, {
      query: { user: 'vintage' },
      reconnection: false,
      forceNew: true,
    });
    const oldReceived: Message[] = [];
    old.on('chat message', (m: Message) => oldReceived.push(m));
    try {
      await new Promise<void>((resolve, reject) => {
        old.once('session', () => resolve());
        old.once('error', (error: unknown) => reject(new Error(String(error))));
      });
      const joined = await new Promise((resolve) => old.emit('join room', { room: 'mixed' }, resolve));
      expect(joined).toEqual({ ok: true });
      await modern.join('mixed');
      const acked = await new Promise((resolve) =>
        old.emit('chat message', { room: 'mixed', message: 'hello from 2.x' }, resolve),
      );
      expect(acked).toMatchObject({ ok: true, id: expect.any(String) });
      await modern.request('chat message', { room: 'mixed', message: 'hello from 4.x' });
      const got = await waitForEvents<Message>(modern, 'chat message', 2);
      expect(got).toContainEqual(
        expect.objectContaining({ room: 'mixed', user: 'vintage', message: 'hello from 2.x' }),
      );
      await waitFor('the 2.x client to get both', () => oldReceived.length >= 2);
      expect(oldReceived).toContainEqual(
        expect.objectContaining({ room: 'mixed', user: 'modern', message: 'hello from 4.x' }),
      );
    } finally {
      old.close();
    }
  });

  it('answers an Engine.IO 3 poll that a peer relays after its client closed the session with 1:6, then 400', async () => {
    const [relay, owner] = fixture.cluster.nodes;
    for (let run = 0; run < 10; run++) {
      const handshake = await (await fetch(`${owner.url}/socket.io/?EIO=3&transport=polling`)).text();
      const sid = /"sid":"([^"]+)"/.exec(handshake)![1];
      const url = (node: string) => `${node}/socket.io/?EIO=3&transport=polling&sid=${sid}`;
      // What is buffered (the main namespace's connect) first, so the raced poll would wait.
      expect(await (await fetch(url(owner.url))).text()).toBe('2:40');
      const [answered, close] = await Promise.all([
        fetch(url(relay.url)),
        fetch(url(owner.url), { method: 'POST', body: '1:1' }),
      ]);
      expect(close.status).toBe(200);
      expect([answered.status, await answered.text()]).toEqual([200, '1:6']);
      expect((await fetch(url(relay.url))).status).toBe(400);
    }
  });

  describe('guards', () => {
    let evil: Server;
    let evilConnections = 0;
    let evilPort: number;

    beforeAll(async () => {
      evilPort = await freePort();
      evil = createServer((socket) => {
        evilConnections += 1;
        socket.destroy();
      });
      await new Promise<void>((resolve) => evil.listen(evilPort, '127.0.0.1', resolve));
    });
    afterAll(() => {
      evil?.close();
    });

    /** A polling session opened through nginx, with its sid and owner. */
    async function openSession(): Promise<{ sid: string; owner: string }> {
      const response = await fetch(`${fixture.cluster.url}/socket.io/?EIO=4&transport=polling`);
      const body = await response.text();
      const { sid } = JSON.parse(body.slice(1)) as { sid: string };
      return { sid, owner: response.headers.get('x-node')! };
    }

    it('does not trust forged peer headers, and never connects to a host named by the request', async () => {
      const { sid, owner } = await openSession();
      const other = fixture.cluster.nodes.find((node) => node.id !== owner)!;
      const forged = {
        'x-ringchat-peer': 'evil',
        'x-ringchat-hop': '1',
        'x-ringchat-auth': `v1.${Date.now()}.${'0'.repeat(64)}`,
        host: `127.0.0.1:${evilPort}`,
        'x-forwarded-host': `127.0.0.1:${evilPort}`,
      };
      // Straight at a node that does not own the session, bypassing nginx.
      const push = await fetch(`${other.url}/socket.io/?EIO=4&transport=polling&sid=${sid}`, {
        method: 'POST',
        headers: { ...forged, 'content-type': 'text/plain;charset=UTF-8' },
        body: '40/chat,{"user":"forger"}',
      });
      expect(push.status).toBe(200);
      expect(await push.text()).toBe('ok');
      // Served by the owner, reached by forwarding: the forged "peer" was not believed.
      expect(push.headers.get('x-node')).toBe(other.id);
      expect(push.headers.get('x-owner')).toBe(owner);
      const poll = await fetch(`${fixture.cluster.url}/socket.io/?EIO=4&transport=polling&sid=${sid}`, {
        headers: forged,
      });
      expect(poll.status).toBe(200);
      expect(await poll.text()).toMatch(/^40\/chat,/);
      expect(fixture.cluster.logsContaining('(via evil)')).toEqual([]);

      // An absolute-form request target naming another host is not proxied anywhere.
      const answer = await rawRequest(
        other.port,
        `GET http://127.0.0.1:${evilPort}/socket.io/?EIO=4&transport=polling&sid=${sid} HTTP/1.1\r\nHost: 127.0.0.1:${evilPort}\r\nConnection: close\r\n\r\n`,
      );
      expect(answer).toMatch(/^HTTP\/1.1 404/);
      expect(evilConnections).toBe(0);
    });

    it('keeps idle connections open longer than nginx does, so no request meets a closing node', async () => {
      // Node closes idle connections after 5 s by default; nginx (and the forwarder)
      // would then now and then send a request on a connection being closed.
      const advertised = await new Promise<string>((resolve, reject) => {
        const agent = new Agent({ keepAlive: true });
        get(`${fixture.cluster.nodes[0].url}/healthz`, { agent }, (response) => {
          response.resume();
          resolve(String(response.headers['keep-alive'] ?? ''));
          agent.destroy();
        }).on('error', reject);
      });
      const nodeIdleSeconds = Number(/timeout=(\d+)/.exec(advertised)?.[1]);
      const nginxConf = readFileSync(join(fixture.cluster.nginx.prefix, 'nginx.conf'), 'utf8');
      const nginxIdleSeconds = Number(/keepalive_timeout\s+(\d+)s;/.exec(nginxConf)?.[1]);
      expect(nodeIdleSeconds).toBeGreaterThan(5);
      expect(nginxIdleSeconds).toBeGreaterThan(0);
      expect(nginxIdleSeconds).toBeLessThan(nodeIdleSeconds);
    });

    it.each([
      ['a malformed sid', 'sid=..%2F..%2Fetc&transport=polling', 1],
      ['an unknown sid', 'sid=AAAAAAAAAAAAAAAAAAAA&transport=polling', 1],
      ['an unknown transport', 'transport=carrier-pigeon', 0],
    ])("answers %s with engine.io's 400", async (_what, query, code) => {
      const response = await fetch(`${fixture.cluster.url}/socket.io/?EIO=4&${query}`);
      expect(response.status).toBe(400);
      expect(((await response.json()) as { code: number }).code).toBe(code);
    });
  });
});

function tagOf(line: string): string {
  return /^\[([^\]]+)\]/.exec(line)?.[1] ?? '?';
}

function rawRequest(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(text));
    let answer = '';
    socket.on('data', (chunk) => (answer += chunk.toString()));
    socket.on('end', () => resolve(answer));
    socket.on('error', reject);
  });
}
