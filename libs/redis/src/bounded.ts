/**
 * The promise's value, or undefined if it fails or takes longer than `timeoutMs`.
 * A failure after the timeout is handled too: a PING abandoned here is rejected
 * later when its connection is replaced, and an unhandled rejection ends the node.
 */
export async function bounded<T>(promise: Promise<T>, timeoutMs: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), timeoutMs);
  });
  try {
    return await Promise.race([promise.catch(() => undefined), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
