import { describe, expect, it } from 'vitest';
import {
  connectChat,
  freePort,
  spawnNode,
  TEST_CLUSTER_SECRET,
  waitFor,
  type ChatClient,
  type ClientOptions,
  type TestNode,
  useCluster,
  type ChatLine,
} from '../harness/index.js';

interface ClusterReport {
  node: string;
  epoch: number;
  ring: string[];
  members: Array<{ id: string; url: string }>;
  sessions: number;
}

type Message = ChatLine;

const RESILIENT: ClientOptions = { reconnection: true, reconnectionDelay: 200, reconnectionDelayMax: 1000 };
const TRANSPORTS: ClientOptions[] = [{ transports: ['polling'] }, { transports: ['websocket'] }, {}];

async function report(node: TestNode): Promise<ClusterReport> {
  return (await (await fetch(`${node.url}/cluster`)).json()) as ClusterReport;
}

/** Every client sends one message to its room every `everyMs` until stopped. */
function chatter(clients: ChatClient[], roomOf: (c: ChatClient) => string, everyMs = 400) {
  let running = true;
  const failures: string[] = [];
  const loops = clients.map(async (client) => {
    for (let n = 0; running; n++) {
      if (client.socket.connected) {
        const answer = await client
          .request<{ ok?: true }>(
            'chat message',
            { room: roomOf(client), message: `${client.user} #${n}` },
            3000,
          )
          .catch((error: Error) => ({ error: error.message }));
        if (!('ok' in answer)) failures.push(`${client.user}: ${JSON.stringify(answer)}`);
      }
      await new Promise((resolve) => setTimeout(resolve, everyMs));
    }
  });
  return {
    failures,
    stop: async () => {
      running = false;
      await Promise.all(loops);
    },
  };
}

/** Waits until `client` receives a message sent after this call by `sender` to `room`. */
async function provesChatting(sender: ChatClient, receiver: ChatClient, room: string, timeoutMs = 10_000) {
  const marker = `probe ${sender.user}->${receiver.user} ${Date.now()}`;
  await waitFor(
    `${sender.user} to reach ${receiver.user}`,
    async () => {
      await sender.request('chat message', { room, message: marker }, 2000).catch(() => undefined);
      return receiver.events<Message>('chat message').some((m) => m.message === marker);
    },
    timeoutMs,
    300,
  );
}

describe('cluster membership', () => {
  const fixture = useCluster({ nodes: 3 });
  const clients = fixture.clients;

  it('shows the same members and epoch on every node, and logs ring changes', async () => {
    await waitFor('all nodes to agree', async () => {
      const reports = await Promise.all(fixture.cluster.nodes.map(report));
      return reports.every((r) => r.members.length === 3 && r.epoch === reports[0].epoch);
    });
    const reports = await Promise.all(fixture.cluster.nodes.map(report));
    for (const [i, r] of reports.entries()) {
      expect(r.node).toBe(fixture.cluster.nodes[i].id);
      expect(r.ring).toEqual(['node1', 'node2', 'node3']);
      expect(r.members.map((m) => m.url)).toEqual(fixture.cluster.nodes.map((n) => n.url));
    }
    const epoch = reports[0].epoch;
    for (const node of fixture.cluster.nodes) {
      await node.process.waitForLine(
        new RegExp(`\\[${node.id}\\] .* Cluster - .*ring epoch ${epoch}: node1 node2 node3$`),
      );
    }
  });

  it('refuses to start a second node with a live node id', async () => {
    const impostor = spawnNode('impostor', {
      NODE_ID: 'node2',
      PORT: String(await freePort()),
      REDIS_URL: fixture.cluster.redis.url,
      CLUSTER_SECRET: TEST_CLUSTER_SECRET,
    });
    const { code } = await impostor.exited;
    expect(code).not.toBe(0);
    expect(impostor.output()).toMatch(
      /node id node2 is already used by a live node at http:\/\/127\.0\.0\.1:\d+/,
    );
    expect((await report(fixture.cluster.node('node2'))).members).toHaveLength(3);
  });

  it('lets a 4th node join and leave while 30 clients chat, disconnecting no one elsewhere', async () => {
    const people = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        connectChat(fixture.cluster.url, `member${i}`, { ...RESILIENT, ...TRANSPORTS[i % 3] }),
      ),
    );
    clients.push(...people);
    const roomOf = (client: ChatClient): string => `r${Number(client.user.replace(/\D/g, '')) % 3}`;
    await Promise.all(people.map((client) => client.join(roomOf(client))));
    const talk = chatter(people, roomOf);

    // Join: node4 starts, every node sees it, nginx starts sending it traffic.
    const node4 = await fixture.cluster.addNode('node4');
    await waitFor('every node to see node4', async () =>
      (await Promise.all(fixture.cluster.nodes.map(report))).every((r) => r.ring.includes('node4')),
    );
    await fixture.cluster.nginx.reload(fixture.cluster.nodes.map((n) => `127.0.0.1:${n.port}`));
    const newcomers: ChatClient[] = [];
    for (let i = 0; i < 40 && newcomers.filter((c) => c.session.node === 'node4').length < 3; i++) {
      const client = await connectChat(fixture.cluster.url, `late${i}`, {
        ...RESILIENT,
        ...TRANSPORTS[i % 3],
      });
      clients.push(client);
      newcomers.push(client);
      await client.join(roomOf(client));
    }
    const onNode4 = newcomers.filter((c) => c.session.node === 'node4');
    expect(onNode4.length).toBe(3);
    await provesChatting(
      onNode4[0],
      people.find((p) => roomOf(p) === roomOf(onNode4[0]))!,
      roomOf(onNode4[0]),
    );

    // Graceful leave, as cluster.sh does it: out of nginx, then SIGTERM.
    const remaining = fixture.cluster.nodes.filter((n) => n.id !== 'node4');
    await fixture.cluster.nginx.reload(remaining.map((n) => `127.0.0.1:${n.port}`));
    node4.process.kill('SIGTERM');
    await waitFor('node4 to leave every ring', async () =>
      (await Promise.all(remaining.map(report))).every((r) => !r.ring.includes('node4')),
    );
    // node4's own clients reconnect elsewhere at once and chat again.
    for (const client of onNode4) {
      await waitFor(
        `${client.user} to move`,
        () => client.socket.connected && client.session.node !== 'node4',
        10_000,
      );
      const peer = people.find((p) => roomOf(p) === roomOf(client))!;
      await provesChatting(client, peer, roomOf(client));
      await provesChatting(peer, client, roomOf(client));
    }
    await talk.stop();

    // A WebSocket that node4 relayed for another owner went through node4's process:
    // its owner closed it on node4's request, and its client came back through another node.
    const moved = new Set(
      [
        ...node4.process.output().matchAll(/asking node\d+ to move \d+ WebSockets relayed here: (.*)$/gm),
      ].flatMap((match) => match[1].split(', ')),
    );
    const relayedByNode4 = (c: ChatClient): boolean => c.sessions.some((s) => moved.has(s.sid));
    for (const client of [...people, ...newcomers].filter(relayedByNode4)) {
      await waitFor(`${client.user} to come back`, () => client.socket.connected, 10_000);
      expect(client.disconnects, client.user).toEqual(['transport close']);
    }

    // Nobody else who lived elsewhere noticed a thing.
    const neverOnNode4 = [...people, ...newcomers].filter(
      (c) => c.sessions.every((s) => s.node !== 'node4') && !relayedByNode4(c),
    );
    expect(neverOnNode4.length).toBeGreaterThan(25);
    expect(
      neverOnNode4
        .filter((c) => c.disconnects.length > 0)
        .map((c) => `${c.user}: ${c.disconnects.join(', ')}`),
    ).toEqual([]);
    expect(talk.failures.filter((f) => !onNode4.some((c) => f.startsWith(`${c.user}:`)))).toEqual([]);
    expect(node4.process.output()).toMatch(/\[node4\] .* SIGTERM received: leaving the cluster/);

    // node4 lingers only while it relays connections of other nodes' sessions.
    for (const client of [...people, ...newcomers]) client.close();
    const { code } = await node4.process.exited;
    expect(code).toBe(0);
    expect(node4.process.output()).toMatch(/stopped cleanly/);
  }, 120_000);

  it('survives SIGKILL of a node: its clients are back and chatting within 10 s, nothing hangs', async () => {
    const people = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        connectChat(fixture.cluster.url, `survivor${i}`, { ...RESILIENT, ...TRANSPORTS[i % 3] }),
      ),
    );
    clients.push(...people);
    const roomOf = (client: ChatClient): string => `k${Number(client.user.replace(/\D/g, '')) % 3}`;
    await Promise.all(people.map((client) => client.join(roomOf(client))));
    // The victim: the node of a polling-only client (every third client is one).
    const pollingVictim = people.find((_, i) => i % 3 === 0)!;
    expect(pollingVictim).toBeDefined();
    const victim = fixture.cluster.node(pollingVictim.session.node);
    const victims = people.filter((c) => c.session.node === victim.id);
    const talk = chatter(people, roomOf);

    const killedAt = Date.now();
    victim.process.kill('SIGKILL');
    await victim.process.exited;

    // A request for a dead owner's session is answered at once, not left hanging.
    const other = fixture.cluster.nodes.find((n) => n.id !== victim.id && n.process.running)!;
    const started = Date.now();
    const answer = await fetch(
      `${other.url}/socket.io/?EIO=4&transport=polling&sid=${pollingVictim!.session.sid}`,
    );
    expect(answer.status).toBe(400);
    expect(Date.now() - started).toBeLessThan(3000);

    await waitFor(
      'every client to be connected to a live node',
      () => people.every((c) => c.socket.connected && c.session.node !== victim.id),
      10_000,
      100,
    );
    const recoveredMs = Date.now() - killedAt;
    console.info(
      `[failover] ${victims.length} clients of ${victim.id} back on live nodes ${recoveredMs} ms after SIGKILL`,
    );
    expect(recoveredMs).toBeLessThan(10_000);
    for (const client of victims) {
      const peer = people.find((p) => p !== client && roomOf(p) === roomOf(client))!;
      await provesChatting(client, peer, roomOf(client), 5000);
    }
    // The survivors drop the dead node from their rings by heartbeat expiry, within 5 s.
    await waitFor(
      `${victim.id} to leave the survivors' rings`,
      async () =>
        (await Promise.all(fixture.cluster.nodes.filter((n) => n.process.running).map(report))).every(
          (r) => !r.ring.includes(victim.id),
        ),
      10_000,
    );
    expect(Date.now() - killedAt).toBeLessThan(5000);
    expect(fixture.cluster.logsContaining('owner unreachable').length).toBeGreaterThan(0);
    await talk.stop();
  }, 60_000);
});
