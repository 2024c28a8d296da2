import { io, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { nextEvent, startCluster, waitFor, type TestCluster } from '../harness/index.js';

/**
 * RINGCHAT_PROFILE=protocol-test: the behaviours the official socket.io protocol
 * test suite checks, exercised here through round-robin nginx over three nodes,
 * so that consecutive requests of one session land on different nodes.
 */
describe('protocol-test profile through nginx over three nodes', () => {
  let cluster: TestCluster;
  let base: string;
  let wsBase: string;

  beforeAll(async () => {
    cluster = await startCluster({ nodes: 3, nodeEnv: { RINGCHAT_PROFILE: 'protocol-test' } });
    base = `${cluster.url}/socket.io/`;
    wsBase = base.replace('http', 'ws');
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  /** Opens an EIO=4 polling session; returns its sid. */
  async function openSession(): Promise<string> {
    const response = await fetch(`${base}?EIO=4&transport=polling`);
    expect(response.status).toBe(200);
    return (JSON.parse((await response.text()).slice(1)) as { sid: string }).sid;
  }

  const poll = (sid: string) => fetch(`${base}?EIO=4&transport=polling&sid=${sid}`);
  const push = (sid: string, body: string) =>
    fetch(`${base}?EIO=4&transport=polling&sid=${sid}`, { method: 'POST', body });

  function openWebSocket(query: string): { socket: WebSocket; messages: Array<string | Buffer> } {
    const socket = new WebSocket(`${wsBase}?${query}`);
    const messages: Array<string | Buffer> = [];
    // Text frames arrive as one Buffer; binary ones stay Buffers.
    socket.on('message', (data: Buffer, isBinary) => messages.push(isBinary ? data : data.toString('utf8')));
    socket.on('error', () => undefined);
    return { socket, messages };
  }

  async function nextMessage(
    state: { messages: Array<string | Buffer> },
    skipPings = true,
  ): Promise<string | Buffer> {
    await waitFor('a WebSocket message', () => {
      while (skipPings && state.messages[0] === '2') state.messages.shift();
      return state.messages.length > 0;
    });
    return state.messages.shift()!;
  }

  describe('Engine.IO', () => {
    it('opens a polling session with the reference settings', async () => {
      const response = await fetch(`${base}?EIO=4&transport=polling`);
      expect(response.status).toBe(200);
      const open = await response.text();
      expect(open[0]).toBe('0');
      const handshake = JSON.parse(open.slice(1)) as Record<string, unknown>;
      expect(Object.keys(handshake).sort()).toEqual([
        'maxPayload',
        'pingInterval',
        'pingTimeout',
        'sid',
        'upgrades',
      ]);
      expect(handshake).toMatchObject({
        upgrades: ['websocket'],
        pingInterval: 300,
        pingTimeout: 200,
        maxPayload: 1_000_000,
      });
    });

    it.each([
      ['no EIO', '?transport=polling', 'GET'],
      ['a bad EIO', '?EIO=abc&transport=polling', 'GET'],
      ['EIO=3 (not in this profile)', '?EIO=3&transport=polling', 'GET'],
      ['no transport', '?EIO=4', 'GET'],
      ['a bad transport', '?EIO=4&transport=abc', 'GET'],
      ['a POST without a session', '?EIO=4&transport=polling', 'POST'],
      ['a PUT without a session', '?EIO=4&transport=polling', 'PUT'],
    ])('answers %s with 400', async (_what, query, method) => {
      expect((await fetch(`${base}${query}`, { method })).status).toBe(400);
    });

    it('answers any origin (CORS)', async () => {
      const response = await fetch(`${base}?EIO=4&transport=polling`, {
        headers: { origin: 'http://elsewhere.test' },
      });
      expect(response.headers.get('access-control-allow-origin')).toBe('*');
    });

    it('opens a WebSocket session with no upgrades offered', async () => {
      const state = openWebSocket('EIO=4&transport=websocket');
      const open = (await nextMessage(state)) as string;
      expect(JSON.parse(open.slice(1))).toMatchObject({ upgrades: [], pingInterval: 300, pingTimeout: 200 });
      state.socket.close();
    });

    it('keeps a polling session alive with ping and pong, whichever node each request reaches', async () => {
      const sid = await openSession();
      // Join the main namespace, or socket.io closes the session after connectTimeout (1 s).
      expect(await (await push(sid, '40')).text()).toBe('ok');
      const answeredBy = new Set<string>();
      const received: string[] = [];
      for (let pings = 0; pings < 5;) {
        const response = await poll(sid);
        expect(response.status).toBe(200);
        answeredBy.add(response.headers.get('x-node')!);
        const packets = (await response.text()).split('\x1e');
        received.push(...packets);
        if (!packets.includes('2')) continue;
        pings += 1;
        const pong = await push(sid, '3');
        expect(await pong.text()).toBe('ok');
        answeredBy.add(pong.headers.get('x-node')!);
      }
      expect(received).toContain('42["auth",{}]');
      // Five pings 300 ms apart: the session outlived its 200 ms ping timeout.
      expect(answeredBy.size).toBeGreaterThan(1);
    });

    it('closes a polling session after the ping timeout', async () => {
      const sid = await openSession();
      await waitFor('the session to time out', async () => (await poll(sid)).status === 400, 3000, 100);
    });

    it('closes a polling session on request', async () => {
      const sid = await openSession();
      const pending = poll(sid);
      // Close only once the poll is waiting at the owner, whichever node it reached first.
      await waitFor(
        'the poll to wait at its owner',
        () => cluster.logsContaining(`EngineIO - Received poll request for ${sid}`).length > 0,
      );
      const close = await push(sid, '1');
      expect(close.status).toBe(200);
      const answered = await pending;
      expect(answered.status).toBe(200);
      expect(await answered.text()).toBe('6');
      expect((await poll(sid)).status).toBe(400);
    });

    describe('a close sent together with a poll (the suite\'s "should forcefully close the session")', () => {
      /** Sends the poll and the close at once; the poll must get the no-op, the next poll 400. */
      async function closeRacingPoll(pollVia: string, closeVia: string, sid: string): Promise<void> {
        const url = (node: string) => `${node}/socket.io/?EIO=4&transport=polling&sid=${sid}`;
        const [answered, close] = await Promise.all([
          fetch(url(pollVia)),
          fetch(url(closeVia), { method: 'POST', body: '1' }),
        ]);
        expect(close.status).toBe(200);
        expect([answered.status, await answered.text()]).toEqual([200, '6']);
        expect((await fetch(url(pollVia))).status).toBe(400);
      }

      /** Opens a session on `node` directly, so that node owns it. */
      async function openSessionOn(node: string): Promise<string> {
        const response = await fetch(`${node}/socket.io/?EIO=4&transport=polling`);
        return (JSON.parse((await response.text()).slice(1)) as { sid: string }).sid;
      }

      it('through round-robin nginx, in every one of 20 runs', async () => {
        for (let run = 0; run < 20; run++)
          await closeRacingPoll(cluster.url, cluster.url, await openSession());
      });

      it('when the close reaches the owner before the poll another node relays, 20 times', async () => {
        const [relay, owner] = cluster.nodes;
        const sids: string[] = [];
        for (let run = 0; run < 20; run++) {
          sids.push(await openSessionOn(owner.url));
          await closeRacingPoll(relay.url, owner.url, sids[run]);
        }
        // The race was run for real: the close overtook the relayed poll at least once.
        await waitFor('the owner to log a poll that came after its close', () =>
          sids.some(
            (sid) => cluster.logsContaining(`poll for ${sid} arrived after its client closed`).length,
          ),
        );
      });

      it('when the poll waits at the owner and the close comes relayed, 20 times', async () => {
        const [relay, owner] = cluster.nodes;
        for (let run = 0; run < 20; run++) {
          await closeRacingPoll(owner.url, relay.url, await openSessionOn(owner.url));
        }
      });
    });

    it('upgrades a polling session to WebSocket, after which polling is refused', async () => {
      const sid = await openSession();
      const state = openWebSocket(`EIO=4&transport=websocket&sid=${sid}`);
      await nextEvent(state.socket, 'open');
      state.socket.send('2probe');
      expect(await nextMessage(state, false)).toBe('3probe');
      state.socket.send('5');
      await waitFor(
        'polling to be refused after the upgrade',
        async () => (await poll(sid)).status === 400,
        3000,
        100,
      );
      // A second WebSocket for the same session is refused too.
      const second = openWebSocket(`EIO=4&transport=websocket&sid=${sid}`);
      await nextEvent(second.socket, 'close');
      state.socket.close();
    });
  });

  describe('Socket.IO', () => {
    async function handshake(
      connectPacket: string,
    ): Promise<{ state: ReturnType<typeof openWebSocket>; replies: string[] }> {
      const state = openWebSocket('EIO=4&transport=websocket');
      await nextMessage(state);
      state.socket.send(connectPacket);
      const replies = [(await nextMessage(state)) as string];
      return { state, replies };
    }

    it.each([
      ['40', '40', '42["auth",{}]'],
      ['40{"token":"123"}', '40', '42["auth",{"token":"123"}]'],
      ['40/custom,', '40/custom,', '42/custom,["auth",{}]'],
      ['40/custom,{"token":"abc"}', '40/custom,', '42/custom,["auth",{"token":"abc"}]'],
    ])('connects with %s and is told its auth', async (packet, prefix, auth) => {
      const { state, replies } = await handshake(packet);
      expect(replies[0].startsWith(prefix)).toBe(true);
      expect(Object.keys(JSON.parse(replies[0].slice(prefix.length)) as object)).toEqual(['sid']);
      expect(await nextMessage(state)).toBe(auth);
      state.socket.close();
    });

    it('refuses an unknown namespace', async () => {
      const { state, replies } = await handshake('40/random');
      expect(replies[0]).toBe('44/random,{"message":"Invalid namespace"}');
      state.socket.close();
    });

    describe('with a polling socket.io client, routed across nodes', () => {
      let client: Socket;
      beforeAll(async () => {
        client = io(cluster.url, { transports: ['polling'], reconnection: false, auth: { token: 't' } });
        const [auth] = await nextEvent<[unknown]>(client, 'auth');
        expect(auth).toEqual({ token: 't' });
      });
      afterAll(() => {
        client?.close();
      });

      it('echoes a message with the same arguments, binary included', async () => {
        const reply = nextEvent<unknown[]>(client, 'message-back');
        client.emit('message', 1, '2', { 3: [true] }, Buffer.from([1, 2, 3]));
        const args = await reply;
        expect(args.slice(0, 3)).toEqual([1, '2', { 3: [true] }]);
        expect(Buffer.from(args[3] as ArrayBuffer)).toEqual(Buffer.from([1, 2, 3]));
      });

      it('acknowledges with the same arguments', async () => {
        const answer = await new Promise<unknown[]>((resolve) =>
          client.emit('message-with-ack', 1, '2', { 3: [false] }, (...args: unknown[]) => resolve(args)),
        );
        expect(answer).toEqual([1, '2', { 3: [false] }]);
      });
    });
  });
});
