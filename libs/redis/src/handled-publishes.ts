/** A client whose PUBLISH answers with a promise, as ioredis's does. */
export interface Publisher {
  publish(channel: string, message: string): Promise<unknown>;
}

/**
 * The same client, but a failed PUBLISH is handed to `onFailure` instead of
 * left unhandled. The socket.io Redis adapter (classic pub/sub) publishes each
 * broadcast without handling its failure; while Redis is away ioredis rejects
 * them after its retries, and one unhandled rejection ends the node (a typing
 * indicator during an outage was enough). Whoever awaits a publish still sees
 * its error: only the promise is marked handled.
 */
export function withHandledPublishes<C extends Publisher>(client: C, onFailure: (error: Error) => void): C {
  return new Proxy(client, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (property !== 'publish' || typeof value !== 'function') return value;
      return (...args: unknown[]): unknown => {
        const sent: unknown = Reflect.apply(value, target, args);
        if (sent instanceof Promise) sent.catch(onFailure);
        return sent;
      };
    },
  });
}
