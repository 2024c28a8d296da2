import type { Server } from 'node:http';
import { Server as NetServer } from 'node:net';

/**
 * How long a leaving node keeps its open connections after SIGTERM before it
 * closes them. A caller that picked one of them for a request just before the
 * node left (an nginx worker finishing what it read before its reload, say)
 * gets an answer instead of a reset; nginx cannot retry a POST that met one.
 */
export const CONNECTION_LINGER_MS = 2000;

/**
 * Stops accepting connections and leaves the open ones alone. Node's own
 * `http.Server.close()` also closes idle keep-alive connections at once, which
 * races a caller's next request on them. While draining, every response says
 * `Connection: close`, so callers close what they still use.
 */
export function stopAccepting(server: Server): void {
  NetServer.prototype.close.call(server);
}

/** Resolves once the server has no open connection, or after `limitMs`. */
export async function connectionsClosed(server: Server, limitMs: number): Promise<number> {
  const deadline = Date.now() + limitMs;
  for (;;) {
    const open = await new Promise<number>((resolve) =>
      server.getConnections((error, count) => resolve(error ? 0 : count)),
    );
    if (open === 0 || Date.now() >= deadline) return open;
    await new Promise((resolve) => setTimeout(resolve, Math.min(50, Math.max(1, deadline - Date.now()))));
  }
}
