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
  // Made once: the adapter publishes every broadcast through it.
  const send = client.publish.bind(client);
  const publish = (...args: Parameters<C['publish']>): ReturnType<C['publish']> => {
    const sent = Reflect.apply(send, client, args) as ReturnType<C['publish']>;
    if (sent instanceof Promise) sent.catch(onFailure);
    return sent;
  };
  return new Proxy(client, {
    get: (target, property, receiver): unknown =>
      property === 'publish' ? publish : Reflect.get(target, property, receiver),
  });
}
