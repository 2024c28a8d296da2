/**
 * Runs tasks one at a time, in the order given, with a bounded wait list: what
 * one connection asks of Redis never runs twice at once, and cannot pile up.
 */
export class SerialQueue {
  private running = false;
  private readonly waiting: Array<() => Promise<void>> = [];
  private idleWaiters: Array<() => void> = [];

  /** @param maxWaiting tasks that may wait behind the running one. */
  constructor(private readonly maxWaiting: number) {}

  /**
   * Starts `task` at once when idle (synchronously, up to its first await),
   * else after those before it. False, and `task` is dropped, when the wait
   * list is full. A task reports its own failures: a rejection is ignored here.
   */
  push(task: () => Promise<void>): boolean {
    if (!this.running) {
      this.run(task);
      return true;
    }
    if (this.waiting.length >= this.maxWaiting) return false;
    this.waiting.push(task);
    return true;
  }

  /** Resolves once nothing runs and nothing waits (at once when idle already). */
  idle(): Promise<void> {
    if (!this.running) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private run(task: () => Promise<void>): void {
    this.running = true;
    const next = (): void => {
      const following = this.waiting.shift();
      if (following) return this.run(following);
      this.running = false;
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const resolve of waiters) resolve();
    };
    let done: Promise<void>;
    try {
      done = task();
    } catch {
      done = Promise.resolve();
    }
    done.then(next, next);
  }
}
