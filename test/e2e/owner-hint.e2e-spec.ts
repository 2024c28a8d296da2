import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { asNodeId, Ring, type SessionId } from '@app/cluster';
import type { RingchatClient } from '@app/chat-client';
import {
  type ChatClient,
  connectChat,
  connectRingchat,
  idsIn,
  useCluster,
  waitFor,
} from '../harness/index.js';

const NODES = ['node1', 'node2', 'node3'];
const POLLING = { transports: ['polling'] };
const SESSION_UNKNOWN = { code: 1, message: 'Session ID unknown' };

/** The engine.io sid a socket.io client holds now. */
const engineSid = (client: ChatClient | RingchatClient): string => client.socket.io.engine.id;

/** The node named by a sid's prefix. */
const prefixOf = (sid: string): string => sid.slice(0, sid.indexOf('.'));

/** A random sid with `prefix` that the cluster's ring gives to `owner`. */
function sidOwnedBy(prefix: string, owner: string): string {
  const ring = new Ring(NODES.map(asNodeId), 1);
  for (;;) {
    const sid = `${prefix}.${randomBytes(15).toString('base64url')}`;
    if (ring.ownerOf(sid as SessionId) === owner) return sid;
  }
}

describe('the owner hint: nginx sends a request to the node its sid names', () => {
  const fixture = useCluster({
    nodes: 3,
    ownerHint: true,
    nodeEnv: { MEMBER_TTL_MS: '2000', HEARTBEAT_INTERVAL_MS: '500' },
  });
  const poll = (sid: string): Promise<Response> =>
    fetch(`${fixture.cluster.url}/socket.io/?EIO=4&transport=polling&sid=${sid}`, {
      signal: AbortSignal.timeout(5000),
    });

  it("serves polling clients' polls and pushes at their owner, never forwarded; chat works", async () => {
    const { cluster } = fixture;
    const members = await Promise.all(
      Array.from({ length: 9 }, (_, i) => connectChat(cluster.url, `hinted${i}`, POLLING)),
    );
    fixture.clients.push(...members);
    await Promise.all(members.map((client) => client.join('hinted')));
    for (const client of members) {
      expect(
        await client.request('chat message', { room: 'hinted', message: `from ${client.user}` }),
      ).toMatchObject({ ok: true });
    }
    await waitFor('every member to hear every message', () =>
      members.every((client) => client.events('chat message').length === members.length),
    );

    const sids = members.map(engineSid);
    // Sids name the node that created them, and handshakes spread over the nodes.
    for (const [i, sid] of sids.entries()) expect(prefixOf(sid)).toBe(members[i].session.node);
    expect(new Set(sids.map(prefixOf)).size).toBeGreaterThan(1);
    // nginx logs which node answered each request (flushed within a second).
    const served = (sid: string): string[] =>
      cluster.nginx
        .accessLog()
        .filter((line) => line.includes(`sid=${sid}`) && !line.includes('transport=websocket'));
    await waitFor('nginx to log the polls and pushes', () => sids.every((sid) => served(sid).length >= 3));
    for (const sid of sids) {
      const nodes = served(sid).map((line) => /node=(\S+)/.exec(line)?.[1]);
      expect(new Set(nodes), sid).toEqual(new Set([prefixOf(sid)]));
      expect(cluster.logsContaining(`request for ${sid} -> `), sid).toEqual([]);
    }
  });

  it('sends WebSocket upgrades to their owner too', async () => {
    const { cluster } = fixture;
    const upgraders = await Promise.all(
      Array.from({ length: 3 }, (_, i) => connectChat(cluster.url, `upgrader${i}`)),
    );
    fixture.clients.push(...upgraders);
    await waitFor('every client to upgrade', () =>
      upgraders.every((client) => client.socket.io.engine.transport.name === 'websocket'),
    );
    for (const client of upgraders) {
      const sid = engineSid(client);
      const upgrades = cluster.logsContaining(`WebSocket upgrade request for ${sid}`);
      expect(upgrades.length, sid).toBeGreaterThan(0);
      expect(
        upgrades.filter((line) => !line.startsWith(`[${prefixOf(sid)}]`) || line.includes('(via ')),
        sid,
      ).toEqual([]);
    }
  });

  it('still spreads handshakes round robin', async () => {
    const answeredBy = new Set<string>();
    for (let i = 0; i < 9; i++) {
      const response = await fetch(`${fixture.cluster.url}/socket.io/?EIO=4&transport=polling`);
      const { sid } = JSON.parse((await response.text()).slice(1)) as { sid: string };
      const node = response.headers.get('x-node') ?? '?';
      expect(prefixOf(sid)).toBe(node);
      answeredBy.add(node);
    }
    expect(answeredBy).toEqual(new Set(NODES));
  });

  it('routes by the owner, not the prefix: a forged prefix is forwarded, an unknown one goes round robin', async () => {
    // Three in a row, all reaching node2 (round robin would not), all forwarded to node3.
    for (let i = 0; i < 3; i++) {
      const forged = sidOwnedBy('node2', 'node3');
      const response = await poll(forged);
      expect([response.status, await response.json()]).toEqual([400, SESSION_UNKNOWN]);
      expect([response.headers.get('x-node'), response.headers.get('x-owner')]).toEqual(['node2', 'node3']);
      expect(fixture.cluster.logsContaining(`request for ${forged} -> node3`)).toHaveLength(1);
    }

    const reached = new Set<string>();
    for (let i = 0; i < 6; i++) {
      const unknown = await poll(sidOwnedBy('node9', 'node1'));
      expect(unknown.status).toBe(400);
      reached.add(unknown.headers.get('x-node') ?? '?');
    }
    expect(reached.size).toBeGreaterThan(1);
  });

  it("answers a dead owner's sids from the others at once; its clients resume elsewhere with nothing lost", async () => {
    const { cluster } = fixture;
    const clients: RingchatClient[] = [];
    // Round robin puts two on each node; a few more if another worker's turn came between.
    for (let i = 0; i < 20 && (i < 6 || new Set(clients.map((c) => c.session!.node)).size < 3); i++) {
      const client = await connectRingchat(cluster.url, `resumer${i}`, { transports: ['polling'] });
      fixture.clients.push(client);
      clients.push(client);
    }
    await Promise.all(clients.map((client) => client.join('failover')));
    const acked: string[] = [];
    for (const client of clients) acked.push(await client.send('failover', `before, ${client.user}`));

    const victim = cluster.node('node3');
    const cut = clients.filter((client) => client.session!.node === victim.id);
    const deadSids = cut.map(engineSid);
    victim.process.kill('SIGKILL');
    await victim.process.exited;

    // A backup answers for the dead owner, promptly: no hang.
    const began = Date.now();
    const answer = await poll(deadSids[0]);
    expect([answer.status, await answer.json()]).toEqual([400, SESSION_UNKNOWN]);
    expect(answer.headers.get('x-node')).not.toBe(victim.id);
    expect(Date.now() - began).toBeLessThan(3000);

    const survivors = clients.filter((client) => !cut.includes(client));
    for (const client of survivors) acked.push(await client.send('failover', `after, ${client.user}`));
    await waitFor(
      "the dead owner's clients to reconnect to another node",
      () => cut.every((client) => client.status === 'connected' && client.session!.node !== victim.id),
      15_000,
    );
    for (const client of cut) {
      acked.push(await client.send('failover', `back, ${client.user}`));
      expect(prefixOf(engineSid(client))).toBe(client.session!.node);
    }
    await waitFor(
      'every client to hold every acknowledged message',
      () => clients.every((client) => acked.every((id) => idsIn(client, 'failover').includes(id))),
      15_000,
    );
    for (const client of clients) {
      const held = idsIn(client, 'failover');
      expect(new Set(held).size, client.user).toBe(held.length);
    }
  });
});
