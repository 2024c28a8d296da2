import { describe, expect, it } from 'vitest';
import { SerialQueue } from './serial-queue.js';

/** A task that records its start and ends when the spec says. */
function gate(log: string[], name: string): { task: () => Promise<void>; open: () => void } {
  let open = (): void => undefined;
  const ended = new Promise<void>((resolve) => (open = resolve));
  return {
    task: () => {
      log.push(name);
      return ended;
    },
    open: () => open(),
  };
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('SerialQueue', () => {
  it('starts an idle task at once and the next only after it ends, in order', async () => {
    const log: string[] = [];
    const queue = new SerialQueue(8);
    const [a, b, c] = ['a', 'b', 'c'].map((name) => gate(log, name));
    for (const { task } of [a, b, c]) expect(queue.push(task)).toBe(true);
    expect(log).toEqual(['a']);
    a.open();
    await tick();
    expect(log).toEqual(['a', 'b']);
    b.open();
    await tick();
    expect(log).toEqual(['a', 'b', 'c']);
  });

  it('refuses a task when the wait list is full, and goes on after a failure', async () => {
    const log: string[] = [];
    const queue = new SerialQueue(1);
    const first = gate(log, 'first');
    queue.push(first.task);
    expect(queue.push(() => Promise.reject(new Error('boom')))).toBe(true);
    expect(queue.push(gate(log, 'dropped').task)).toBe(false);
    first.open();
    await tick();
    expect(queue.push(gate(log, 'after').task)).toBe(true);
    expect(log).toEqual(['first', 'after']);
  });

  it('tells when it is idle: after the running task and those waiting behind it', async () => {
    const log: string[] = [];
    const queue = new SerialQueue(8);
    let idle = false;
    await queue.idle();
    const [a, b] = ['a', 'b'].map((name) => gate(log, name));
    queue.push(a.task);
    queue.push(b.task);
    void queue.idle().then(() => (idle = true));
    a.open();
    await tick();
    expect(idle).toBe(false);
    b.open();
    await tick();
    expect(idle).toBe(true);
  });
});
