import type { ChaosCluster } from './chaos-cluster.js';
import type { Crowd } from './crowd.js';
import { redisPresence } from './presence-views.js';
import { checkPresence } from './verdict.js';
import { waitFor } from '../harness/wait.js';

/** Room → identity id → display name of the crowd's live connections. */
export function livePresence(
  crowd: Crowd,
  rooms: string[],
  leaveOut?: string,
): Map<string, Map<string, string>> {
  const live = new Map(rooms.map((room) => [room, new Map<string, string>()]));
  for (const member of crowd.connected()) {
    const session = member.client.session;
    if (!session || member.name === leaveOut) continue;
    for (const room of member.rooms) live.get(room)?.set(session.userId, session.user);
  }
  return live;
}

/**
 * Until every client is connected and a probe in every room has reached all
 * its members. Throws when `deadline` (ms since the epoch) passes first.
 */
export async function waitForChat(crowd: Crowd, rooms: string[], deadline: number): Promise<void> {
  await waitFor(
    'every client to be connected',
    () => crowd.connected().length === crowd.members.length,
    Math.max(0, deadline - Date.now()),
    100,
  );
  await Promise.all(rooms.map((room) => crowd.probe(room, Math.max(0, deadline - Date.now()))));
}

/**
 * Until Redis's presence of every room is exactly the live connections (no
 * zombie, none missing). Throws when `deadline` passes first, naming what is off.
 */
export async function waitForPresence(
  cluster: ChaosCluster,
  crowd: Crowd,
  rooms: string[],
  deadline: number,
): Promise<void> {
  let last = '';
  try {
    await waitFor(
      'presence to match the live connections',
      async () => {
        const view = await redisPresence(cluster.redis.url, rooms);
        const { zombies, missing, unreadable } = checkPresence([view], livePresence(crowd, rooms), new Set());
        last = `${zombies.length} zombies, ${missing.length} missing${unreadable.length ? ', unreadable' : ''}`;
        return zombies.length + missing.length + unreadable.length === 0;
      },
      Math.max(0, deadline - Date.now()),
      250,
    );
  } catch {
    throw new Error(`presence not healed: ${last}`);
  }
}
