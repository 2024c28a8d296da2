import type { Cluster, Redis } from 'ioredis';

/**
 * A connection to either topology: one Redis, or a Redis Cluster through
 * ioredis's cluster client, which sends each command to its key's slot. Both
 * speak the same commands; only what spans nodes (SCAN, INFO) differs.
 */
export type RedisClient = Redis | Cluster;

/** True for a Redis Cluster client. */
export function isClusterClient(client: RedisClient): client is Cluster {
  return (client as Cluster).isCluster === true;
}

/** The servers holding data: the masters of a cluster, or the one Redis. */
export function dataServers(client: RedisClient): Redis[] {
  return isClusterClient(client) ? client.nodes('master') : [client];
}

/** Every key matching `pattern`, on every server holding data (SCAN, never KEYS). */
export async function scanKeys(client: RedisClient, pattern: string): Promise<string[]> {
  const found: string[] = [];
  for (const server of dataServers(client)) {
    let cursor = '0';
    do {
      const [next, keys] = await server.scan(cursor, 'MATCH', pattern, 'COUNT', 200);
      cursor = next;
      found.push(...keys);
    } while (cursor !== '0');
  }
  return found;
}
