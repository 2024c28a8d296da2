import { isIP } from 'node:net';

/** A loopback name or address: reachable only from the machine itself. */
export function isLoopback(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (bare === 'localhost' || bare.endsWith('.localhost') || bare === '::1') return true;
  return isIP(bare) === 4 && bare.startsWith('127.');
}

/**
 * Why peers on other machines could not reach this node at its advertised URL,
 * or undefined. A loopback URL is right when every node runs on one machine
 * (HOST is loopback too) and wrong when HOST opens the node to other hosts: the
 * others would forward this node's sessions to themselves.
 */
export function advertiseWarning(host: string, advertiseUrl: string): string | undefined {
  const advertised = new URL(advertiseUrl).hostname;
  if (!isLoopback(advertised) || isLoopback(host)) return undefined;
  return (
    `ADVERTISE_URL ${advertiseUrl} is a loopback address while HOST is ${host}: nodes on other ` +
    'machines cannot reach this one there; set ADVERTISE_URL to an address they can dial'
  );
}
