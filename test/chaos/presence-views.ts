import { Redis } from 'ioredis';
import type { RingchatClient } from '@app/chat-client';
import { connectRingchat } from '../harness/ringchat.js';

/** Who one view lists in a room: identity id → display name. */
export type Listing = Map<string, string>;

/** One source of membership: Redis's presence hashes, or one node's `members` answers. */
export interface PresenceView {
  view: string;
  rooms: Map<string, Listing>;
  /** Set when the view could not be read at all. */
  error?: string;
}

const presenceKey = (room: string): string => `ringchat:room:{${room}}:presence`;

/** Presence as Redis holds it (identity id → JSON with the display name). */
export async function redisPresence(url: string, rooms: string[]): Promise<PresenceView> {
  const redis = new Redis(url, { maxRetriesPerRequest: 1, lazyConnect: true });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    const listed = new Map<string, Listing>();
    for (const room of rooms) {
      const raw = await redis.hgetall(presenceKey(room));
      listed.set(room, new Map(Object.entries(raw).map(([id, json]) => [id, displayName(id, json)])));
    }
    return { view: 'redis', rooms: listed };
  } catch (error) {
    return { view: 'redis', rooms: new Map(), error: String(error) };
  } finally {
    redis.disconnect();
  }
}

function displayName(id: string, json: string): string {
  try {
    return (JSON.parse(json) as { name?: string }).name ?? id;
  } catch {
    return id;
  }
}

/**
 * Every node's `members` answer: one fresh observer per node, connected to the
 * node itself over WebSocket (so its session lives there), joined to every room.
 * All observers are connected before any asks and closed after all have asked,
 * so none sees another leave; the caller leaves their ids out of the comparison.
 */
export async function nodePresence(
  nodes: Array<{ id: string; url: string }>,
  rooms: string[],
): Promise<{ views: PresenceView[]; observerIds: Set<string> }> {
  const observers = await Promise.all(
    nodes.map(async (node) => {
      try {
        const client = await connectRingchat(node.url, `observer-${node.id}`, { transports: ['websocket'] });
        return { node, client };
      } catch (error) {
        return { node, error: String(error) };
      }
    }),
  );
  const observerIds = new Set(observers.flatMap((o) => (o.client?.session ? [o.client.session.userId] : [])));
  try {
    for (const observer of observers) if (observer.client) await joinAll(observer.client, rooms);
    const views = await Promise.all(
      observers.map(async (o): Promise<PresenceView> => {
        if (!o.client) return { view: o.node.id, rooms: new Map(), error: o.error };
        try {
          const listed = new Map<string, Listing>();
          for (const room of rooms) {
            const members = await o.client.members(room);
            listed.set(room, new Map(members.map((m) => [m.userId, m.user])));
          }
          return { view: o.node.id, rooms: listed };
        } catch (error) {
          return { view: o.node.id, rooms: new Map(), error: String(error) };
        }
      }),
    );
    return { views, observerIds };
  } finally {
    for (const o of observers) o.client?.close();
  }
}

async function joinAll(client: RingchatClient, rooms: string[]): Promise<void> {
  for (const room of rooms) await client.join(room);
}
