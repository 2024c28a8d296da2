import type { ChaosCluster } from './chaos-cluster.js';
import type { FaultKind } from './fault-kinds.js';
import { runFlashClients } from './flash-clients.js';
import type { SeededRandom } from './random.js';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export interface FaultContext {
  cluster: ChaosCluster;
  random: SeededRandom;
  rooms: string[];
  log: (message: string) => void;
  flashSerial: { next: number };
}

/**
 * Injects one fault and undoes it (restart, continue, re-join): resolves with
 * a short description once the cluster is whole again, or as whole as the
 * fault leaves it (a flash client's leftovers are for presence to heal).
 */
export async function injectFault(kind: FaultKind, context: FaultContext): Promise<string> {
  const { cluster, random, log } = context;
  const target = random.pick(cluster.ids);
  switch (kind) {
    case 'node-kill': {
      const downMs = random.int(2000, 5000);
      log(`SIGKILL ${target}, restart in ${downMs} ms`);
      await cluster.kill(target);
      await sleep(downMs);
      await cluster.startNode(target);
      return `${target} down ${downMs} ms`;
    }
    case 'node-pause': {
      const pausedMs = random.int(2000, 8000);
      log(`SIGSTOP ${target} for ${pausedMs} ms`);
      cluster.pause(target);
      await sleep(pausedMs);
      cluster.resume(target);
      return `${target} paused ${pausedMs} ms`;
    }
    case 'redis-restart': {
      const downMs = random.int(1000, 8000);
      log(`stop Redis for ${downMs} ms`);
      await cluster.stopRedis();
      await sleep(downMs);
      await cluster.startRedis();
      return `Redis down ${downMs} ms`;
    }
    case 'graceful-leave': {
      const awayMs = random.int(2000, 5000);
      log(`graceful leave of ${target}, back in ${awayMs} ms`);
      await cluster.leave(target);
      await sleep(awayMs);
      await cluster.rejoin(target);
      return `${target} away ${awayMs} ms`;
    }
    case 'nginx-reload':
      log('nginx reload');
      await cluster.reloadNginx();
      return 'same upstreams';
    case 'flash-clients': {
      const count = random.int(10, 20);
      log(`${count} clients closing 5–30 ms into a join or resume`);
      const connected = await runFlashClients(cluster.url, context.rooms, count, random, context.flashSerial);
      return `${connected} of ${count} connected`;
    }
  }
}

/** Fault kinds in rounds: every kind once, in a random order, then again. */
export function faultSchedule(kinds: readonly FaultKind[], random: SeededRandom): () => FaultKind {
  let round: FaultKind[] = [];
  return () => {
    if (round.length === 0) round = random.sample(kinds, kinds.length);
    return round.shift()!;
  };
}
