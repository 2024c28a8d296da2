import { describe, expect, it } from 'vitest';
import {
  connectChat,
  waitFor,
  waitForEvents,
  type ChatClient,
  useCluster,
  type ChatLine,
} from '../harness/index.js';

type Message = ChatLine;

const WS_ONLY = { transports: ['websocket'] };

describe('chat across three nodes through round-robin nginx (WebSocket clients)', () => {
  const fixture = useCluster({ nodes: 3 });
  const clients = fixture.clients;

  /** Connects until there are `perNode` clients on every node (nginx decides where). */
  async function clientsOnEveryNode(perNode: number): Promise<Map<string, ChatClient[]>> {
    const byNode = new Map<string, ChatClient[]>(fixture.cluster.nodes.map((node) => [node.id, []]));
    for (let attempt = 0; attempt < 60; attempt++) {
      if ([...byNode.values()].every((list) => list.length >= perNode)) return byNode;
      const client = await connectChat(fixture.cluster.url, `user${attempt}`, WS_ONLY);
      clients.push(client);
      const list = byNode.get(client.session.node);
      if (list && list.length < perNode) list.push(client);
    }
    throw new Error('nginx did not spread 60 connections over all three nodes');
  }

  it('delivers each room its messages, and only its messages, across nodes', async () => {
    const byNode = await clientsOnEveryNode(2);
    // alpha and beta each have one member on every node; idle joins nothing.
    const alpha = [...byNode.values()].map((list) => list[0]);
    const beta = [...byNode.values()].map((list) => list[1]);
    const idle = await connectChat(fixture.cluster.url, 'idle', WS_ONLY);
    clients.push(idle);
    expect(new Set(alpha.map((c) => c.session.node))).toEqual(new Set(['node1', 'node2', 'node3']));
    expect(new Set(beta.map((c) => c.session.node))).toEqual(new Set(['node1', 'node2', 'node3']));

    for (const client of alpha)
      expect(await client.request('join room', { room: 'alpha' })).toEqual({
        ok: true,
      });
    for (const client of beta)
      expect(await client.request('join room', { room: 'beta' })).toEqual({
        ok: true,
      });

    // Each member hears every join of its room from its own join on, its own included.
    for (const [index, client] of alpha.entries()) {
      const joins = await waitForEvents(client, 'join room', alpha.length - index);
      expect(joins).toContainEqual({
        room: 'alpha',
        user: client.user,
        userId: client.session.userId,
        guest: true,
      });
      expect(joins.every((join) => join.room === 'alpha')).toBe(true);
    }

    const sent: Message[] = [];
    for (const [room, members] of [
      ['alpha', alpha],
      ['beta', beta],
    ] as const) {
      for (const client of members) {
        for (let n = 0; n < 5; n++) {
          const message = `${room} #${n} from ${client.user}`;
          expect(await client.request('chat message', { room, message })).toMatchObject({
            ok: true,
            id: expect.any(String),
          });
          sent.push({ room, user: client.user, message });
        }
      }
    }

    for (const [room, members] of [
      ['alpha', alpha],
      ['beta', beta],
    ] as const) {
      const expected = sent.filter((m) => m.room === room);
      for (const client of members) {
        const got = await waitForEvents<Message>(client, 'chat message', expected.length);
        // Everything of its room, from senders on every node, and nothing else.
        expect(got.map(({ room, user, message }) => ({ room, user, message })).sort(byText)).toEqual(
          [...expected].sort(byText),
        );
        // One sender's messages keep their order.
        for (const sender of members) {
          const fromSender = got.filter((m) => m.user === sender.user).map((m) => m.message);
          expect(fromSender).toEqual(expected.filter((m) => m.user === sender.user).map((m) => m.message));
        }
      }
    }
    // Per-sender order makes a last message a barrier: once every member has it,
    // nothing of this test is still in flight.
    const last = alpha[0];
    await last.request('chat message', { room: 'alpha', message: 'barrier' });
    for (const client of alpha) {
      await waitFor(`${client.user} to see the barrier`, () =>
        client.events<Message>('chat message').some((m) => m.message === 'barrier'),
      );
    }
    for (const client of beta)
      expect(client.events<Message>('chat message').every((m) => m.room === 'beta')).toBe(true);
    expect(idle.events('chat message')).toEqual([]);
    expect(idle.events('join room')).toEqual([]);
  });

  it('takes the user from the session, never from the payload', async () => {
    const mallory = await connectChat(fixture.cluster.url, 'mallory', WS_ONLY);
    const witness = await connectChat(fixture.cluster.url, 'witness', WS_ONLY);
    clients.push(mallory, witness);
    await mallory.request('join room', { room: 'spoof', user: 'admin' });
    await witness.request('join room', { room: 'spoof' });
    await mallory.request('chat message', {
      room: 'spoof',
      message: 'hi',
      user: 'admin',
    });
    const [message] = await waitForEvents<Message>(witness, 'chat message', 1);
    expect(message).toMatchObject({ room: 'spoof', user: 'mallory', message: 'hi' });
    expect(mallory.events('join room')).toContainEqual({
      room: 'spoof',
      user: 'mallory',
      userId: mallory.session.userId,
      guest: true,
    });
  });

  it('echoes a leave to the leaver and stops delivering to it', async () => {
    const stays = await connectChat(fixture.cluster.url, 'stays', WS_ONLY);
    const leaves = await connectChat(fixture.cluster.url, 'leaves', WS_ONLY);
    clients.push(stays, leaves);
    await stays.request('join room', { room: 'gamma' });
    await leaves.request('join room', { room: 'gamma' });
    expect(await leaves.request('leave room', { room: 'gamma' })).toEqual({
      ok: true,
    });
    const leaver = { user: 'leaves', userId: leaves.session.userId, guest: true };
    expect(await waitForEvents(leaves, 'leave room', 1)).toEqual([{ room: 'gamma', ...leaver }]);
    expect(await waitForEvents(stays, 'leave room', 1)).toEqual([{ room: 'gamma', ...leaver }]);
    await stays.request('chat message', {
      room: 'gamma',
      message: 'after the leave',
    });
    await waitForEvents(stays, 'chat message', 1);
    // The leaver's connection still works, and it got nothing from gamma.
    await leaves.request('join room', { room: 'delta' });
    await leaves.request('chat message', { room: 'delta', message: 'ping' });
    await waitForEvents(leaves, 'chat message', 1);
    expect(leaves.events<Message>('chat message').map((m) => m.room)).toEqual(['delta']);
  });

  it('answers bad requests with an error and keeps the connection', async () => {
    const client = await connectChat(fixture.cluster.url, 'clumsy', WS_ONLY);
    clients.push(client);
    expect(await client.request('chat message', { room: 'nowhere', message: 'hi' })).toEqual({
      error: 'join room nowhere first',
      code: 'not_member',
    });
    expect(await client.request('join room', { room: '<b>' })).toMatchObject({
      error: expect.stringMatching(/^room must/),
    });
    expect(await client.request('join room', 'alpha')).toEqual({
      error: 'expected an object {room}',
      code: 'invalid',
    });
    // Without an ack, the error comes as an `error` event.
    client.socket.emit('leave room', { room: 'never-joined' });
    const [error] = await waitForEvents(client, 'error', 1);
    expect(error).toEqual({
      event: 'leave room',
      error: 'not in room never-joined',
      code: 'not_member',
    });
    expect(await client.request('join room', { room: 'fine' })).toEqual({
      ok: true,
    });
  });

  it('refuses a connection without a user name, with a clear message', async () => {
    await expect(connectChat(fixture.cluster.url, '', WS_ONLY)).rejects.toThrow(/user name is required/);
  });

  it('names the refused handshake with a code', async () => {
    await expect(connectChat(fixture.cluster.url, '', WS_ONLY)).rejects.toMatchObject({
      data: { code: 'invalid' },
    });
  });
});

function byText(a: Message, b: Message): number {
  return a.message.localeCompare(b.message);
}
