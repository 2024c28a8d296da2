import type { EventEmitter } from 'node:events';

/** Polls `check` until it returns a truthy value; fails with `what` after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  check: () => T | Promise<T>,
  timeoutMs = 10_000,
  intervalMs = 50,
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value as NonNullable<T>;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      const cause = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${cause}`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** The arguments of the next `event` on `emitter`, or an error after `timeoutMs`. */
export function nextEvent<T extends unknown[] = unknown[]>(
  emitter:
    | Pick<EventEmitter, 'once' | 'off'>
    | { once: (...a: never[]) => unknown; off: (...a: never[]) => unknown },
  event: string,
  timeoutMs = 10_000,
): Promise<T> {
  const target = emitter as unknown as EventEmitter;
  return new Promise<T>((resolve, reject) => {
    const onEvent = (...args: unknown[]): void => {
      clearTimeout(timer);
      resolve(args as T);
    };
    const timer = setTimeout(() => {
      target.off(event, onEvent);
      reject(new Error(`timed out after ${timeoutMs} ms waiting for event "${event}"`));
    }, timeoutMs);
    target.once(event, onEvent);
  });
}
