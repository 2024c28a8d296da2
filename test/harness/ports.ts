import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/**
 * Ports are drawn from below the kernel's ephemeral range: a port the kernel may
 * hand to any outgoing connection (and the suite makes thousands) can be taken
 * between the moment a test picks it and the moment its server binds it. And
 * from above every port that fetch and browsers refuse to reach (the highest is 10080).
 */
const BAND_LOW = 11_000;
const handedOut = new Set<number>();

function bandHigh(): number {
  try {
    const [low] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/);
    const ephemeralLow = Number(low);
    if (Number.isInteger(ephemeralLow) && ephemeralLow > BAND_LOW + 1_000) return ephemeralLow - 1;
  } catch {
    // Not Linux: the default range starts at 32768 on most systems.
  }
  return 32_767;
}

const BAND_HIGH = bandHigh();

function randomInBand(span = 1): number {
  return BAND_LOW + Math.floor(Math.random() * (BAND_HIGH - BAND_LOW - span + 2));
}

/**
 * A TCP port on 127.0.0.1 that nothing listens on right now, never one this
 * process handed out before.
 */
export function freePort(): Promise<number> {
  return freePortRange(1);
}

/**
 * The first of `count` consecutive free ports on 127.0.0.1, each with its
 * `alsoFree` offsets free too (a Redis Cluster node needs port + 10000 for its bus),
 * none handed out before by this process.
 */
export async function freePortRange(count: number, alsoFree: number[] = []): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = randomInBand(count);
    const ports = Array.from({ length: count }, (_, i) => base + i).flatMap((port) => [
      port,
      ...alsoFree.map((offset) => port + offset),
    ]);
    if (ports.some((port) => handedOut.has(port))) continue;
    if (!(await Promise.all(ports.map(isPortFree))).every(Boolean)) continue;
    for (const port of ports) handedOut.add(port);
    return base;
  }
  throw new Error(`no ${count} consecutive free ports in ${BAND_LOW}-${BAND_HIGH}`);
}

/** Whether a server could bind 127.0.0.1:`port` right now. */
export function isPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}
