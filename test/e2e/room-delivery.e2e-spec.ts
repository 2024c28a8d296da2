import { describe, expect, it } from 'vitest';
import {
  connectChat,
  waitFor,
  waitForEvents,
  useCluster,
  type ChatClient,
  type TestNode,
} from '../harness/index.js';

interface Delivery {
  roomMessagesReceived: number;
  roomChannels: number;
}
interface Stored {
  id: string;
  room: string;
  message: string;
}
interface SendAnswer {
  ok?: true;
  id?: string;
  error?: string;
}

const WS_ONLY = { transports: ['websocket'] };

async function deliveryOf(node: TestNode): Promise<Delivery> {
  const report = (await (await fetch(`${node.url}/cluster`)).json()) as Delivery;
  return { roomMessagesReceived: report.roomMessagesReceived, roomChannels: report.roomChannels };
}

/** What a member got of `room`, in arrival order: the join's history, then the live messages. */
function roomLog(client: ChatClient, room: string): string[] {
  const ids: string[] = [];
  for (const { event, payload } of client.received) {
    if (event === 'history' && (payload as { room: string }).room === room) {
      ids.push(...(payload as { messages: Stored[] }).messages.map((m) => m.id));
    } else if (event === 'chat message' && (payload as Stored).room === room) {
      ids.push((payload as Stored).id);
    }
  }
  return ids;
}

describe('room-scoped delivery on three nodes', () => {
  // Senders here send as fast as acks come back.
  const fixture = useCluster({ nodes: 3, nodeEnv: { RATE_LIMIT_PER_SEC: '1000', RATE_LIMIT_BURST: '1000' } });
  const node = (id: string) => fixture.cluster.node(id);

  /** A WebSocket client whose session lives on `nodeId` (a handshake is served where it lands). */
  async function clientOn(nodeId: string, user: string): Promise<ChatClient> {
    const client = await connectChat(node(nodeId).url, user, WS_ONLY);
    fixture.clients.push(client);
    expect(client.session.node).toBe(nodeId);
    return client;
  }

  async function send(client: ChatClient, room: string, message: string): Promise<string> {
    const answer = await client.request<SendAnswer>('chat message', { room, message });
    if (!answer.id) throw new Error(`send to ${room} refused: ${answer.error}`);
    return answer.id;
  }

  /**
   * A probe room with a member on every node: once a probe sent after some
   * messages has reached them all, any of those messages Redis sent to a node
   * has arrived too (one connection, in order). So the counters can be read as
   * final, with no sleep. Each probe counts once on every node.
   */
  async function probeRoom(): Promise<() => Promise<void>> {
    const members = [
      await clientOn('node1', 'probe1'),
      await clientOn('node2', 'probe2'),
      await clientOn('node3', 'probe3'),
    ];
    for (const member of members) await member.join('probe');
    let sent = 0;
    return async () => {
      sent += 1;
      await send(members[0], 'probe', `probe ${sent}`);
      for (const member of members) await waitForEvents(member, 'chat message', sent);
    };
  }

  it('costs nothing to nodes without members, and reaches a node once a member joins there', async () => {
    const probe = await probeRoom();
    const owners = [
      await clientOn('node1', 'ann'),
      await clientOn('node1', 'bob'),
      await clientOn('node1', 'cy'),
    ];
    for (const owner of owners) await owner.join('local');
    const before = await Promise.all(fixture.cluster.nodes.map(deliveryOf));

    for (let n = 0; n < 20; n++) await send(owners[n % 3], 'local', `local ${n}`);
    for (const owner of owners) await waitForEvents(owner, 'chat message', 20);
    await probe();
    const after = await Promise.all(fixture.cluster.nodes.map(deliveryOf));
    expect(after[0].roomMessagesReceived - before[0].roomMessagesReceived).toBe(20 + 1);
    expect(after[1].roomMessagesReceived - before[1].roomMessagesReceived).toBe(1);
    expect(after[2].roomMessagesReceived - before[2].roomMessagesReceived).toBe(1);

    // A member on node2: node2 subscribes, gets the history and then the live messages.
    const dee = await clientOn('node2', 'dee');
    await dee.join('local');
    expect((await deliveryOf(node('node2'))).roomChannels).toBe(after[1].roomChannels + 1);
    for (let n = 20; n < 25; n++) await send(owners[0], 'local', `local ${n}`);
    await waitFor('dee to get the five live messages', () => roomLog(dee, 'local').length === 25);
    expect(dee.events<Stored>('chat message').map((m) => m.message)).toEqual(
      [20, 21, 22, 23, 24].map((n) => `local ${n}`),
    );
    await probe();
    const joined = await Promise.all(fixture.cluster.nodes.map(deliveryOf));
    expect(joined[1].roomMessagesReceived - after[1].roomMessagesReceived).toBe(5 + 1);
    expect(joined[2].roomMessagesReceived - after[2].roomMessagesReceived).toBe(1);

    // Its last member gone, node2 lets the room go (after the linger) and receives it no more.
    expect(await dee.request('leave room', { room: 'local' })).toEqual({ ok: true });
    await waitFor('node2 to unsubscribe from the room', async () => {
      return (await deliveryOf(node('node2'))).roomChannels === after[1].roomChannels;
    });
    for (let n = 25; n < 30; n++) await send(owners[0], 'local', `local ${n}`);
    await probe();
    const left = await deliveryOf(node('node2'));
    expect(left.roomMessagesReceived - joined[1].roomMessagesReceived).toBe(1);
    expect(dee.events('chat message')).toHaveLength(5);
  });

  it('brings first joiners racing live sends up to date: history then live, each message once, in order', async () => {
    const rooms = ['race-a', 'race-b', 'race-c', 'race-d'];
    const perRoom = 80;
    await Promise.all(
      rooms.map(async (room) => {
        const sender = await clientOn('node1', `sender-${room}`);
        await sender.join(room);
        const joiners = await Promise.all(
          ['node2', 'node2', 'node2', 'node3', 'node3', 'node3'].map((id, i) =>
            clientOn(id, `joiner${i}-${room}`),
          ),
        );
        const ids: string[] = [];
        let joinsStarted!: () => void;
        const startJoins = new Promise<void>((resolve) => (joinsStarted = resolve));
        // The sender keeps sending while the joiners enter: each node's first join races the messages.
        const sending = (async () => {
          for (let n = 0; n < perRoom; n++) {
            ids.push(await send(sender, room, `${room} ${n}`));
            if (n === 10) joinsStarted();
          }
        })();
        await startJoins;
        // Every joiner sends at once after its join: those messages race the other joins too.
        const joinerIds = await Promise.all(
          joiners.map(async (joiner) => {
            await joiner.join(room);
            return [await send(joiner, room, `hello from ${joiner.user}`)];
          }),
        );
        await sending;
        const all = [...ids, ...joinerIds.flat()].sort(byStreamOrder);
        const last = all.at(-1)!;
        for (const member of [sender, ...joiners]) {
          await waitFor(`${member.user} to get the last message of ${room}`, () =>
            roomLog(member, room).includes(last),
          );
        }
        for (const joiner of joiners) {
          const got = roomLog(joiner, room);
          // History first: its first message starts a run of the stream that goes on to the end.
          const from = all.indexOf(got[0]);
          expect(from, `${joiner.user}'s first message is one of the room's`).toBeGreaterThanOrEqual(0);
          expect(got, `${joiner.user} got ${room} in order, once each, without a gap`).toEqual(
            all.slice(from),
          );
          // Joined while messages flowed: some came in the history, some live.
          expect(joiner.events<Stored>('chat message').filter((m) => m.room === room).length).toBeGreaterThan(
            0,
          );
        }
        // The sender, a member throughout, got everything stored after its join, once, in order.
        expect(sender.events<Stored>('chat message').map((m) => m.id)).toEqual(all);
      }),
    );
  });

  it('resumes first resumers into nodes without members: the replay after their last id, then live, once each', async () => {
    const room = 'resume-race';
    const sender = await clientOn('node1', 'resume-sender');
    await sender.join(room);
    const ids: string[] = [];
    for (let n = 0; n < 20; n++) ids.push(await send(sender, room, `before ${n}`));
    const lastSeen = ids[9];
    // Resumers connect to node2 and node3, which hold nothing of the room, while the sender goes on.
    const sending = (async () => {
      for (let n = 0; n < 60; n++) ids.push(await send(sender, room, `during ${n}`));
    })();
    const resumers = await Promise.all(
      ['node2', 'node2', 'node3', 'node3'].map(async (id, i) => {
        const user = `resumer${i}`;
        const client = await connectChat(node(id).url, user, {
          ...WS_ONLY,
          auth: { user, rooms: { [room]: lastSeen } },
        });
        fixture.clients.push(client);
        return client;
      }),
    );
    await sending;
    const expected = ids.slice(10);
    for (const resumer of resumers) {
      expect(resumer.session.node).not.toBe('node1');
      await waitFor(`${resumer.user} to get the last message`, () =>
        roomLog(resumer, room).includes(ids.at(-1)!),
      );
      expect(roomLog(resumer, room), `${resumer.user}: everything after its last id, once, in order`).toEqual(
        expected,
      );
    }
  });
});

function byStreamOrder(a: string, b: string): number {
  const [am, as] = a.split('-').map(Number);
  const [bm, bs] = b.split('-').map(Number);
  return am - bm || as - bs;
}
