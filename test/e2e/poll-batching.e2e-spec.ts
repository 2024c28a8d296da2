import { describe, expect, it } from 'vitest';
import { connectChat, useCluster, waitFor } from '../harness/index.js';

const HOLD_MS = 400;

describe('poll batching: a long-poll answer carries the messages queued within POLL_BATCH_MS', () => {
  const fixture = useCluster({ nodes: 2, nodeEnv: { POLL_BATCH_MS: String(HOLD_MS) } });

  it('answers a burst in fewer polls than messages, none early, all in order, once', async () => {
    const { cluster } = fixture;
    const poller = await connectChat(cluster.url, 'batched-poller', { transports: ['polling'] });
    const sender = await connectChat(cluster.url, 'batch-sender', { transports: ['websocket'] });
    fixture.clients.push(poller, sender);
    await poller.join('batched');
    await sender.join('batched');

    // Chat messages per poll answer, from the client's engine (polling only: one transport).
    const answers: number[] = [];
    let inThisAnswer = 0;
    const engine = poller.socket.io.engine;
    engine.on('packet', (packet: { type: string; data?: unknown }) => {
      if (packet.type === 'message' && String(packet.data).includes('"chat message"')) inThisAnswer += 1;
    });
    engine.transport.on('pollComplete', () => {
      if (inThisAnswer > 0) answers.push(inThisAnswer);
      inThisAnswer = 0;
    });

    // The joins just sent the poller packets: it is busy, so the burst is held
    // (were it not, only the burst's first message would leave at once).
    const texts = Array.from({ length: 5 }, (_, i) => `burst ${i}`);
    const sentAt = performance.now();
    const acks = await Promise.all(
      texts.map((message) => sender.request('chat message', { room: 'batched', message })),
    );
    expect(acks).toEqual(texts.map(() => expect.objectContaining({ ok: true })));
    await waitFor('the poller to have the burst', () => poller.events('chat message').length >= 5, 10_000);
    const burstAt = performance.now() - sentAt;

    expect(poller.events<{ message: string }>('chat message').map((m) => m.message)).toEqual(texts);
    // Held: the answer waited for the rest instead of leaving with the first message.
    expect(burstAt).toBeGreaterThanOrEqual(HOLD_MS - 50);
    expect(answers.reduce((sum, n) => sum + n, 0)).toBe(5);
    expect(answers.length).toBeLessThanOrEqual(2);
  });
});
