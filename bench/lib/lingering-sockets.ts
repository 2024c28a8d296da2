import { readFileSync } from 'node:fs';
import { nowMs } from './clock.js';
import { progress, sleep } from './progress.js';

/** TCP sockets in TIME_WAIT (state 06 in /proc/net/tcp), IPv4 and IPv6. */
export function timeWaitSockets(): number {
  let count = 0;
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n')) {
      // "sl local_address rem_address st ...": the 4th column is the state.
      if (line.trim().split(/\s+/, 4)[3] === '06') count += 1;
    }
  }
  return count;
}

/**
 * A connection storm leaves its closed sockets in TIME_WAIT for a minute: wait
 * until they are few, so that the next storm starts on the same kernel state.
 */
export async function waitForLingeringSockets(label: string, below = 2000, limitMs = 65_000): Promise<void> {
  const deadline = nowMs() + limitMs;
  let count = timeWaitSockets();
  if (count < below) return;
  progress(`${label}: waiting for ${count} closed sockets (TIME_WAIT) to clear first`);
  while (count >= below && nowMs() < deadline) {
    await sleep(2000);
    count = timeWaitSockets();
  }
  progress(`${label}: ${count} sockets in TIME_WAIT, starting`);
}
