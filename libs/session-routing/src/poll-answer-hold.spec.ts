import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { PollAnswerHold, type HeldSocket } from './poll-answer-hold.js';

/** A socket as engine.io keeps it: queued packets, a waiting poll that an answer takes. */
class FakeSocket implements HeldSocket {
  polling = true;
  waiting = false;
  packets: string[] = [];
  answers: string[][] = [];
  hold!: PollAnswerHold;

  openPolling = (): boolean => this.polling;
  pollWaiting = (): boolean => this.waiting;
  queued = (): number => this.packets.length;
  flushNow = (): void => {
    if (!this.waiting || this.packets.length === 0) return;
    this.answers.push(this.packets);
    this.packets = [];
    this.waiting = false;
  };

  /** engine.io's sendPacket: queue, then flush. */
  send(packet: string): void {
    this.packets.push(packet);
    this.hold.flush();
  }

  /** A poll arrives: engine.io marks the transport writable and flushes. */
  poll(): void {
    this.waiting = true;
    this.hold.flush();
  }
}

describe('PollAnswerHold', () => {
  let clock = 0;
  let socket: FakeSocket;

  beforeEach(() => {
    vi.useFakeTimers();
    clock = 1000;
    socket = new FakeSocket();
    socket.hold = new PollAnswerHold(socket, { holdMs: 15, busyWindowMs: 150, now: () => clock });
  });
  afterEach(() => vi.useRealTimers());

  const advance = (ms: number): void => {
    clock += ms;
    vi.advanceTimersByTime(ms);
  };

  /** A first packet, answered at once (the socket was quiet); the socket is busy after it. */
  const becomeBusy = (): void => {
    socket.poll();
    socket.send('first');
    expect(socket.answers).toEqual([['first']]);
    socket.answers = [];
    advance(10);
  };

  it('answers the first packet after a quiet spell at once', () => {
    socket.poll();
    socket.send('a');
    expect(socket.answers).toEqual([['a']]);
    advance(150);
    socket.poll();
    socket.send('b');
    expect(socket.answers).toEqual([['a'], ['b']]);
  });

  it('holds a busy socket’s poll holdMs after its first packet, with every packet queued by then', () => {
    becomeBusy();
    socket.poll();
    socket.send('a');
    advance(5);
    socket.send('b');
    advance(9);
    expect(socket.answers).toEqual([]);
    socket.send('c');
    advance(1);
    expect(socket.answers).toEqual([['a', 'b', 'c']]);
  });

  it('answers a poll at once when its packets have waited holdMs already', () => {
    becomeBusy();
    socket.send('a');
    advance(20);
    socket.poll();
    expect(socket.answers).toEqual([['a']]);
  });

  it('holds a poll that finds younger packets only for what is left of their wait', () => {
    becomeBusy();
    socket.send('a');
    advance(10);
    socket.poll();
    advance(4);
    expect(socket.answers).toEqual([]);
    advance(1);
    expect(socket.answers).toEqual([['a']]);
  });

  it('starts a new wait for the packets queued after an answer', () => {
    becomeBusy();
    socket.poll();
    socket.send('a');
    advance(15);
    socket.send('b');
    socket.poll();
    advance(14);
    expect(socket.answers).toEqual([['a']]);
    advance(1);
    expect(socket.answers).toEqual([['a'], ['b']]);
  });

  it('answers at once when the socket is no longer an open polling one', () => {
    becomeBusy();
    socket.poll();
    socket.send('a');
    socket.polling = false;
    socket.send('close');
    expect(socket.answers).toEqual([['a', 'close']]);
  });

  it('counts packets afresh after engine.io emptied the buffer itself', () => {
    becomeBusy();
    socket.send('a');
    socket.send('b');
    socket.packets = [];
    advance(200);
    socket.poll();
    socket.send('c');
    expect(socket.answers).toEqual([['c']]);
  });

  it('sends nothing after stop', () => {
    becomeBusy();
    socket.poll();
    socket.send('a');
    socket.hold.stop();
    advance(50);
    expect(socket.answers).toEqual([]);
  });
});
