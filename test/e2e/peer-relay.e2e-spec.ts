import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { asNodeId } from '@app/cluster';
import { PeerAuth } from '@app/session-routing/peer-auth.js';
import { RelayConnection } from '@app/session-routing/relay-connection.js';
import { encodeFrame, FrameType, RELAY_PATH, RELAY_PROTOCOL } from '@app/session-routing/relay-frames.js';
import { TEST_CLUSTER_SECRET, useCluster, waitFor } from '../harness/index.js';

const pollUrl = (base: string, sid: string): string =>
  `${base}/socket.io/?EIO=4&transport=polling&sid=${sid}`;

/** The raw answer of a node to `text` written on a fresh connection, once it closes. */
function rawExchange(port: number, text: Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(text));
    let answer = '';
    socket.on('data', (chunk) => (answer += chunk.toString('latin1')));
    socket.on('close', () => resolve(answer));
    socket.on('error', reject);
  });
}

describe('the relay between nodes', () => {
  const fixture = useCluster({ nodes: 2 });

  it("carries a session's polls and pushes from the node reached to its owner, over one connection", async () => {
    const [relayer, owner] = fixture.cluster.nodes;
    // Nodes start together: the relayer forwards only to a member it has heard of.
    await waitFor(`${relayer.id} to know ${owner.id}`, async () => {
      const view = (await (await fetch(`${relayer.url}/cluster`)).json()) as { ring: string[] };
      return view.ring.includes(owner.id);
    });
    const handshake = await (await fetch(`${owner.url}/socket.io/?EIO=4&transport=polling`)).text();
    const { sid } = JSON.parse(handshake.slice(1)) as { sid: string };
    const push = await fetch(pollUrl(relayer.url, sid), {
      method: 'POST',
      headers: { 'content-type': 'text/plain;charset=UTF-8' },
      body: '40/chat,{"user":"relayed"}',
    });
    expect([push.status, await push.text()]).toEqual([200, 'ok']);
    expect([push.headers.get('x-node'), push.headers.get('x-owner')]).toEqual([relayer.id, owner.id]);
    const poll = await fetch(pollUrl(relayer.url, sid));
    expect(await poll.text()).toMatch(/^40\/chat,\{"sid":/);
    expect([poll.headers.get('x-node'), poll.headers.get('x-owner')]).toEqual([relayer.id, owner.id]);
    // A round of event and ack, then ten more polls: all on the one connection opened.
    await fetch(pollUrl(relayer.url, sid), {
      method: 'POST',
      body: '42/chat,1["leave room",{"room":"nowhere"}]',
    });
    expect(await (await fetch(pollUrl(relayer.url, sid))).text()).toMatch(/^43\/chat,1\[/);
    const relayed = (): string[] =>
      owner.process.lines.filter((l) => l.includes(`for ${sid} (via ${relayer.id})`));
    await waitFor('the owner to log the relayed requests', () => relayed().length >= 4);
    const opened = owner.process.lines.filter((line) =>
      line.includes(`relay connection from ${relayer.id} opened`),
    );
    expect(opened).toHaveLength(1);
  });

  it('lets no outsider use it: unsigned, forged, replayed, non-member, or through nginx', async () => {
    const [, owner] = fixture.cluster.nodes;
    const target = { id: asNodeId(owner.id), url: owner.url };
    const sign = (self: string, secret = TEST_CLUSTER_SECRET) =>
      new PeerAuth({ secret, self }).sign(owner.id, { method: 'GET', url: RELAY_PATH });
    // No signature, with a frame already behind the upgrade: 403, and the frame is never served.
    const sid = 'AAAAAAAAAAAAAAAAAAAA';
    const head = {
      method: 'GET',
      url: `/socket.io/?EIO=4&transport=polling&sid=${sid}`,
      headers: {},
      complete: true,
    };
    const unsigned = await rawExchange(
      owner.port,
      Buffer.concat([
        Buffer.from(
          `GET ${RELAY_PATH} HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: ${RELAY_PROTOCOL}\r\n\r\n`,
        ),
        encodeFrame(FrameType.Head, 1, JSON.stringify(head)),
      ]),
    );
    expect(unsigned).toMatch(/^HTTP\/1.1 403 /);
    expect(await RelayConnection.open(target, sign('node1', 'a-guess-at-the-cluster-secret'))).toBe(
      'refused',
    );
    expect(await RelayConnection.open(target, sign('stranger'))).toBe('refused');
    // A genuine header set works once; the same set again is a replay.
    const headers = sign('node1');
    const genuine = await RelayConnection.open(target, headers);
    expect(genuine).toBeInstanceOf(RelayConnection);
    if (genuine instanceof RelayConnection) genuine.close();
    expect(await RelayConnection.open(target, headers)).toBe('refused');
    // nginx blanks peer headers: even a genuine set does not get through the front door.
    const viaNginx = { id: asNodeId(owner.id), url: fixture.cluster.url };
    expect(await RelayConnection.open(viaNginx, sign('node1'))).toBe('refused');
    expect(owner.process.lines.some((line) => line.includes(`for ${sid} (via`))).toBe(false);
    await waitFor('the owner to report refusals', () =>
      owner.process.lines.some((line) => line.includes('refused a relay connection')),
    );
  });
});
