import type { PresenceView } from './presence-views.js';

/*
 * The checks of a chaos run, as pure functions of what was recorded: the room
 * streams as Redis holds them, every client's sends and views, the presence
 * views. No processes here, so the spec beside this file can show each check fail.
 */

/** One entry of a room's stream. */
export interface StoredEntry {
  id: string;
  /** The clientMsgId it was sent with ('' for none). */
  cid: string;
}

/** A chat client at the end of the run. */
export interface ClientRecord {
  name: string;
  userId: string;
  connected: boolean;
  /** Per joined room: when the join was acknowledged (ms). */
  joinedAt: Record<string, number>;
  /** Per joined room: the ids the client holds, in its order. */
  received: Record<string, string[]>;
  /** Messages ("room\nid") pushed live to this client more than once, with their count. */
  pushedTwice: Record<string, number>;
  /** Sends that were never acknowledged nor given up (still waiting). */
  waiting: number;
}

export interface SendOutcomeRecord {
  client: string;
  room: string;
  clientMsgId: string;
  id?: string;
  error?: string;
}

export interface ChatEvidence {
  streams: Record<string, StoredEntry[]>;
  clients: ClientRecord[];
  sends: SendOutcomeRecord[];
}

export interface Loss {
  client: string;
  room: string;
  id: string;
}

export interface DeliveryFindings {
  acked: number;
  /** Sends the client gave up on (it said so to its caller): not acked, so not a loss, but worth a look. */
  givenUp: SendOutcomeRecord[];
  stored: number;
  /** Acked, but not in the stream under the acked id. */
  ackedNotStored: SendOutcomeRecord[];
  /** clientMsgIds stored more than once. */
  storedTwice: Array<{ room: string; clientMsgId: string; ids: string[] }>;
  /** Deliveries owed: (message, client present from before it to the end). */
  expectedDeliveries: number;
  lost: Loss[];
  pushedTwice: Array<{ client: string; room: string; id: string; count: number }>;
}

/** ms part of a stream id: Redis's clock when it was stored. */
export function idTime(id: string): number {
  return Number(id.slice(0, id.indexOf('-')));
}

/**
 * Stored once, delivered exactly once. A client is owed a message when it
 * joined the room (ack received) before the message was stored (its id's time,
 * same machine clock) and is still connected at the end: the client helper's
 * resume makes reconnects in between invisible. Clients not connected at the
 * end are stuck, a finding of their own, and owed nothing here.
 */
export function checkDelivery(evidence: ChatEvidence): DeliveryFindings {
  const { streams, clients, sends } = evidence;
  const byCid = new Map<string, string[]>();
  const storedTwice: DeliveryFindings['storedTwice'] = [];
  let stored = 0;
  for (const [room, entries] of Object.entries(streams)) {
    stored += entries.length;
    const seen = new Map<string, string[]>();
    for (const entry of entries) {
      if (!entry.cid) continue;
      seen.set(entry.cid, [...(seen.get(entry.cid) ?? []), entry.id]);
    }
    for (const [cid, ids] of seen) {
      byCid.set(`${room}\n${cid}`, ids);
      if (ids.length > 1) storedTwice.push({ room, clientMsgId: cid, ids });
    }
  }
  const acked = sends.filter((s) => s.id !== undefined);
  const ackedNotStored = acked.filter((s) => !byCid.get(`${s.room}\n${s.clientMsgId}`)?.includes(s.id!));

  let expectedDeliveries = 0;
  const lost: Loss[] = [];
  for (const client of clients.filter((c) => c.connected)) {
    for (const [room, joinedAt] of Object.entries(client.joinedAt)) {
      const held = new Set(client.received[room] ?? []);
      for (const entry of streams[room] ?? []) {
        if (idTime(entry.id) <= joinedAt) continue;
        expectedDeliveries += 1;
        if (!held.has(entry.id)) lost.push({ client: client.name, room, id: entry.id });
      }
    }
  }
  const pushedTwice = clients.flatMap((c) =>
    Object.entries(c.pushedTwice).map(([key, count]) => {
      const [room, id] = key.split('\n');
      return { client: c.name, room, id, count };
    }),
  );
  return {
    acked: acked.length,
    givenUp: sends.filter((s) => s.error !== undefined),
    stored,
    ackedNotStored,
    storedTwice,
    expectedDeliveries,
    lost,
    pushedTwice,
  };
}

export interface PresenceFinding {
  view: string;
  room: string;
  userId: string;
  user: string;
}

export interface PresenceFindings {
  /** Listed but not connected in that room. */
  zombies: PresenceFinding[];
  /** Connected in that room but not listed. */
  missing: PresenceFinding[];
  /** Views that could not be read. */
  unreadable: Array<{ view: string; error: string }>;
}

/**
 * Each view against the truth: the identities with a live connection in each
 * room (`live`: room → identity id → display name). `ignore` holds the
 * observers' own ids.
 */
export function checkPresence(
  views: PresenceView[],
  live: Map<string, Map<string, string>>,
  ignore: Set<string>,
): PresenceFindings {
  const findings: PresenceFindings = { zombies: [], missing: [], unreadable: [] };
  for (const view of views) {
    if (view.error !== undefined) {
      findings.unreadable.push({ view: view.view, error: view.error });
      continue;
    }
    for (const [room, truth] of live) {
      const listed = view.rooms.get(room) ?? new Map<string, string>();
      for (const [userId, user] of listed) {
        if (!ignore.has(userId) && !truth.has(userId))
          findings.zombies.push({ view: view.view, room, userId, user });
      }
      for (const [userId, user] of truth) {
        if (!listed.has(userId)) findings.missing.push({ view: view.view, room, userId, user });
      }
    }
  }
  return findings;
}

/** What the run ends with: every check and whether it passed. */
export interface Verdict {
  passed: boolean;
  failures: string[];
}

export interface StuckFindings {
  /** Clients not connected at the end. */
  disconnected: string[];
  /** Rooms whose final probe did not reach every member. */
  probesFailed: string[];
  /** Sends still waiting for an ack at the end. */
  waitingSends: number;
}

export function judge(delivery: DeliveryFindings, presence: PresenceFindings, stuck: StuckFindings): Verdict {
  const failures: string[] = [];
  const fail = (count: number, what: string): void => {
    if (count > 0) failures.push(`${count} ${what}`);
  };
  fail(delivery.ackedNotStored.length, 'acked messages not stored');
  fail(delivery.lost.length, 'lost deliveries');
  fail(delivery.storedTwice.length, 'messages stored twice');
  fail(delivery.pushedTwice.length, 'messages pushed twice to a client');
  fail(presence.zombies.length, 'zombie listings');
  fail(presence.missing.length, 'missing listings');
  fail(presence.unreadable.length, 'presence views unreadable');
  fail(stuck.disconnected.length, 'clients not connected at the end');
  fail(stuck.probesFailed.length, 'rooms whose final probe did not reach every member');
  fail(stuck.waitingSends, 'sends still unacknowledged at the end');
  return { passed: failures.length === 0, failures };
}
