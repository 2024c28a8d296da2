import type { TypingEvent } from '@app/chat-protocol';
import { describe, expect, it } from 'vitest';
import { TypingRelay, type TypingSocket } from './typing-relay.js';

const bob = { user: 'bob', userId: 'g_bob', guest: true };

function fakeSocket(): TypingSocket & { out: Array<[string, TypingEvent]> } {
  const out: Array<[string, TypingEvent]> = [];
  return { out, to: (room) => ({ emit: (_event, payload) => out.push([room, payload]) }) };
}

describe('TypingRelay', () => {
  const relay = new TypingRelay({ intervalMs: 2000, expiryMs: 5000 });

  it('lets one typing per interval through, per room', () => {
    const socket = fakeSocket();
    expect(relay.relay(socket, bob, 'r', false, 1000)).toBe(true);
    expect(relay.relay(socket, bob, 'r', false, 2500)).toBe(false);
    expect(relay.relay(socket, bob, 's', false, 2500)).toBe(true);
    expect(relay.relay(socket, bob, 'r', false, 3000)).toBe(true);
    expect(socket.out).toEqual([
      ['r', { room: 'r', ...bob, expiresInMs: 5000 }],
      ['s', { room: 's', ...bob, expiresInMs: 5000 }],
      ['r', { room: 'r', ...bob, expiresInMs: 5000 }],
    ]);
  });

  it('clears a shown typist at once, and only a shown one', () => {
    const socket = fakeSocket();
    expect(relay.relay(socket, bob, 'r', true, 1000)).toBe(false);
    relay.relay(socket, bob, 'r', false, 1000);
    relay.relay(socket, bob, 's', false, 1000);
    expect(relay.relay(socket, bob, 'r', true, 1500)).toBe(true);
    // Long expired already: nobody shows it any more.
    relay.clearAll(socket, bob, 9000);
    expect(socket.out.slice(2)).toEqual([['r', { room: 'r', ...bob, stopped: true, expiresInMs: 0 }]]);
    // After a stop, the next typing goes out at once.
    expect(relay.relay(socket, bob, 'r', false, 9100)).toBe(true);
  });
});
