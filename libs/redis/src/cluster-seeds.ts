/** One node of a Redis Cluster to ask for the cluster's layout. */
export interface ClusterSeed {
  host: string;
  port: number;
}

const SEED = /^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/;

/**
 * Reads `host:port,host:port,…` (IPv6 in brackets). Throws on anything else, so
 * a typo stops the node at start rather than at its first command.
 */
export function parseClusterSeeds(text: string): ClusterSeed[] {
  const seeds = text
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '')
    .map((part) => {
      const match = SEED.exec(part);
      const port = Number(match?.[2]);
      if (!match || port < 1 || port > 65535) throw new Error(`not a host:port: '${part}'`);
      return { host: match[1].replace(/^\[|\]$/g, ''), port };
    });
  if (seeds.length === 0) throw new Error('no host:port given');
  return seeds;
}
