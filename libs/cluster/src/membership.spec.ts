import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { RecordingLog } from '@app/logging';
import { resolveClusterOptions } from './cluster-options.js';
import { asNodeId } from './ids.js';
import type { ClusterChange, Member } from './member.js';
import { MemberSignature } from './member-signature.js';
import { Membership, NodeIdTakenError, type NodeDropped } from './membership.js';
import type { HeartbeatResult, HeartbeatTiming, MembershipStore, Registration } from './membership-store.js';

const HEARTBEAT_MS = 1000;
const TTL_MS = 3000;
const SECRET = 'the-cluster-secret-0123';

/**
 * The registry in memory, with the heartbeat script's rules: expire the silent,
 * refuse a live id held by another instance (unless asked to replace exactly
 * that record), bump the epoch on any change, stamp each admission (again when
 * the same instance was admitted before) and answer with it. Holds records as Redis does: text. The
 * script's credit for time in which no node could heartbeat is not modelled
 * here (every test below keeps someone beating): node-pause.e2e-spec covers it.
 */
class FakeRegistry implements MembershipStore {
  epoch = 0;
  heartbeats = 0;
  failure?: Error;
  /** Nodes whose heartbeats fail while the others' pass: paused, or cut off alone. */
  readonly unreachable = new Set<string>();
  /** Nodes whose heartbeats land but whose answers are lost (sent into a cut link, delivered late). */
  readonly answersLost = new Set<string>();
  /** While set, heartbeats wait for it: a slow Redis. */
  gate?: Promise<void>;
  private readonly beats = new Map<string, { record: string; at: number }>();
  /** id → the latest admission, with the instance admitted. */
  private readonly admissions = new Map<string, { instance: string; at: number; again: boolean }>();

  async heartbeat(self: Registration, { ttlMs }: HeartbeatTiming): Promise<HeartbeatResult> {
    this.heartbeats += 1;
    await this.gate;
    if (this.failure) throw this.failure;
    if (this.unreachable.has(self.id)) throw new Error(`${self.id} cannot reach the registry`);
    const now = Date.now();
    let changed = false;
    for (const [id, beat] of this.beats) {
      if (beat.at > now - ttlMs) continue;
      this.beats.delete(id);
      changed = true;
    }
    const existing = this.beats.get(self.id)?.record;
    if (existing !== undefined && existing !== self.replaces && instanceIn(existing) !== self.instance) {
      return { kind: 'conflict', record: existing };
    }
    if (existing === undefined) {
      changed = true;
      const again = this.admissions.get(self.id)?.instance === self.instance;
      this.admissions.set(self.id, { instance: self.instance, at: now, again });
    }
    this.beats.set(self.id, { record: self.record, at: now });
    if (changed) this.epoch += 1;
    if (this.answersLost.has(self.id)) throw new Error('Command timed out');
    const records = [...this.beats.values()].map((beat) => beat.record);
    // A record written without a heartbeat has no admission, as in Redis.
    const admitted = this.admissions.get(self.id);
    const admission = admitted && { at: admitted.at, again: admitted.again };
    return { kind: 'ok', epoch: this.epoch, records, admission };
  }

  /** Holds the heartbeats (a slow Redis) until the returned function is called. */
  hold(): () => void {
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    this.gate = gate;
    return () => {
      if (this.gate === gate) this.gate = undefined;
      open();
    };
  }

  leave(self: Pick<Member, 'id' | 'instance'>): Promise<number> {
    const existing = this.beats.get(self.id)?.record;
    if (existing === undefined || instanceIn(existing) !== self.instance) return Promise.resolve(this.epoch);
    this.beats.delete(self.id);
    return Promise.resolve((this.epoch += 1));
  }

  /**
   * Writes a record straight into the registry, as anyone with access to Redis
   * could; like a record in the hash without a heartbeat score, it never expires.
   */
  write(id: string, record: string): void {
    this.beats.set(id, { record, at: Infinity });
    this.epoch += 1;
  }
}

function instanceIn(record: string): unknown {
  try {
    return (JSON.parse(record) as { instance?: unknown }).instance;
  } catch {
    return undefined;
  }
}

function member(id: string, instance = `${id}-a`): Member {
  return { id: asNodeId(id), url: `http://${id}.test`, startedAt: 0, instance };
}

function node(registry: FakeRegistry, self: Member) {
  const log = new RecordingLog();
  const options = resolveClusterOptions({
    self: self.id,
    url: self.url,
    secret: SECRET,
    heartbeatIntervalMs: HEARTBEAT_MS,
    memberTtlMs: TTL_MS,
  });
  const membership = new Membership(self, registry, options, log);
  const changes: ClusterChange[] = [];
  membership.on('change', (change) => changes.push(change));
  return { membership, changes, log, ids: () => [...membership.current().members.keys()].sort() };
}

describe('Membership', () => {
  let registry: FakeRegistry;
  const running: Membership[] = [];

  function start(self: Member) {
    const started = node(registry, self);
    running.push(started.membership);
    return started;
  }

  async function joined(self: Member) {
    const started = start(self);
    await started.membership.join();
    return started;
  }

  /** node1 then node2: node2 knows both, node1 only itself until its next heartbeat. */
  async function twoJoined() {
    return [await joined(member('node1')), await joined(member('node2'))] as const;
  }

  beforeEach(() => {
    vi.useFakeTimers();
    registry = new FakeRegistry();
  });

  afterEach(() => {
    for (const membership of running.splice(0)) membership.stop();
    vi.useRealTimers();
  });

  it('joins: registers itself and reports the first view', async () => {
    const a = await joined(member('node1'));
    expect(a.ids()).toEqual(['node1']);
    expect(a.changes).toHaveLength(1);
    expect(a.changes[0]).toMatchObject({ epoch: 1, joined: ['node1'], left: [] });
  });

  it('sees a peer that joins at its next heartbeat, with the next epoch', async () => {
    const [a, b] = await twoJoined();
    expect(b.ids()).toEqual(['node1', 'node2']);
    await vi.advanceTimersByTimeAsync(HEARTBEAT_MS);
    expect(a.ids()).toEqual(['node1', 'node2']);
    expect(a.changes.at(-1)).toMatchObject({ epoch: 2, joined: ['node2'], left: [] });
  });

  it('reports no change while nothing moves', async () => {
    const a = await joined(member('node1'));
    await vi.advanceTimersByTimeAsync(5 * HEARTBEAT_MS);
    expect(registry.heartbeats).toBe(6);
    expect(a.changes).toHaveLength(1);
  });

  it('drops a silent peer once its TTL passes, naming it as it was registered', async () => {
    const [a, b] = await twoJoined();
    await vi.advanceTimersByTimeAsync(HEARTBEAT_MS);
    b.membership.stop(); // a crash: no leave, the heartbeats just stop
    await vi.advanceTimersByTimeAsync(TTL_MS - HEARTBEAT_MS);
    expect(a.ids()).toEqual(['node1', 'node2']);
    await vi.advanceTimersByTimeAsync(HEARTBEAT_MS);
    expect(a.ids()).toEqual(['node1']);
    expect(a.changes.at(-1)).toMatchObject({ epoch: 3, joined: [], left: [member('node2')] });
  });

  it('leaves at once, and its peers see it at their next heartbeat', async () => {
    const [a, b] = await twoJoined();
    await vi.advanceTimersByTimeAsync(HEARTBEAT_MS);
    await b.membership.leave();
    expect(b.ids()).toEqual(['node1']);
    expect(b.changes.at(-1)).toMatchObject({ epoch: 3, left: [member('node2')] });
    await vi.advanceTimersByTimeAsync(HEARTBEAT_MS);
    expect(a.ids()).toEqual(['node1']);
    expect(a.changes.at(-1)).toMatchObject({ epoch: 3, left: [member('node2')] });
  });

  it('stops heartbeating after a leave, and a second leave does nothing', async () => {
    const a = await joined(member('node1'));
    await a.membership.leave();
    const epoch = registry.epoch;
    await a.membership.leave();
    const heartbeats = registry.heartbeats;
    a.membership.beatSoon();
    await vi.advanceTimersByTimeAsync(3 * HEARTBEAT_MS);
    expect(registry.heartbeats).toBe(heartbeats);
    expect(registry.epoch).toBe(epoch);
  });

  it('reports an epoch that moved even when the member set looks the same', async () => {
    const a = await joined(member('node1'));
    registry.epoch += 2; // a peer joined and left between two heartbeats
    await vi.advanceTimersByTimeAsync(HEARTBEAT_MS);
    expect(a.changes.at(-1)).toMatchObject({ epoch: 3, joined: [], left: [] });
  });

  describe('suspect (beatSoon)', () => {
    it('heartbeats at once rather than at the next tick', async () => {
      const a = await joined(member('node1'));
      const before = registry.heartbeats;
      a.membership.beatSoon();
      await vi.advanceTimersByTimeAsync(0);
      expect(registry.heartbeats).toBe(before + 1);
    });

    it('coalesces calls made during a heartbeat into one more', async () => {
      const a = await joined(member('node1'));
      let open!: () => void;
      registry.gate = new Promise((resolve) => (open = resolve));
      const before = registry.heartbeats;
      a.membership.beatSoon();
      a.membership.beatSoon();
      a.membership.beatSoon();
      expect(registry.heartbeats).toBe(before + 1);
      registry.gate = undefined;
      open();
      await vi.advanceTimersByTimeAsync(0);
      expect(registry.heartbeats).toBe(before + 2);
    });

    it('notices a crashed peer as soon as its TTL has passed', async () => {
      const [a, b] = await twoJoined();
      b.membership.stop();
      vi.setSystemTime(Date.now() + TTL_MS);
      a.membership.beatSoon();
      await vi.advanceTimersByTimeAsync(0);
      expect(a.ids()).toEqual(['node1']);
    });
  });

  describe('catchUp', () => {
    it('resolves once a heartbeat has answered: a peer that joined meanwhile is known', async () => {
      const [a] = await twoJoined();
      expect(a.ids()).toEqual(['node1']);
      await a.membership.catchUp();
      expect(a.ids()).toEqual(['node1', 'node2']);
    });

    it('waits past a heartbeat already under way, for one begun after the call', async () => {
      const a = await joined(member('node1'));
      const releaseFirst = registry.hold();
      const before = registry.heartbeats;
      a.membership.beatSoon();
      let caughtUp = false;
      void a.membership.catchUp().then(() => (caughtUp = true));
      const releaseSecond = registry.hold();
      releaseFirst();
      await vi.advanceTimersByTimeAsync(0);
      expect(registry.heartbeats).toBe(before + 2);
      expect(caughtUp).toBe(false);
      releaseSecond();
      await vi.advanceTimersByTimeAsync(0);
      expect(caughtUp).toBe(true);
    });
  });

  describe('when Redis fails', () => {
    it('keeps the last view and warns at most once per 5 s', async () => {
      const a = await joined(member('node1'));
      registry.failure = new Error('connection lost');
      await vi.advanceTimersByTimeAsync(10 * HEARTBEAT_MS);
      expect(a.ids()).toEqual(['node1']);
      expect(a.changes).toHaveLength(1);
      expect(a.log.at('warn')).toEqual([
        'heartbeat failed: connection lost; keeping ring epoch 1',
        'heartbeat failed: connection lost; keeping ring epoch 1',
      ]);
    });
  });

  describe("a node paused past the TTL (its heartbeats fail, its peers' pass)", () => {
    async function pausedFor(ms: number) {
      const [a, b] = await twoJoined();
      await vi.advanceTimersByTimeAsync(HEARTBEAT_MS);
      const dropped: NodeDropped[] = [];
      b.membership.on('dropped', (event) => dropped.push(event));
      registry.unreachable.add('node2');
      await vi.advanceTimersByTimeAsync(ms);
      return { a, b, dropped };
    }

    it('is dropped by its peers, and learns it at its first heartbeat back, with how long it was away', async () => {
      const { a, b, dropped } = await pausedFor(TTL_MS + HEARTBEAT_MS);
      expect(a.ids()).toEqual(['node1']);
      expect(b.membership.isStale()).toBe(true);
      registry.unreachable.delete('node2');
      await vi.advanceTimersByTimeAsync(HEARTBEAT_MS);
      expect(dropped).toHaveLength(1);
      expect(dropped[0]!.silentMs).toBeGreaterThanOrEqual(TTL_MS + HEARTBEAT_MS);
      expect(b.membership.isStale()).toBe(false);
      // Back in the registry at once: its view names both, and its peer sees it at its next beat.
      expect(b.ids()).toEqual(['node1', 'node2']);
      await vi.advanceTimersByTimeAsync(HEARTBEAT_MS);
      expect(a.ids()).toEqual(['node1', 'node2']);
      await vi.advanceTimersByTimeAsync(3 * HEARTBEAT_MS);
      expect(dropped).toHaveLength(1);
    });

    it('learns it from a later answer when the answer to the heartbeat that added it back is lost', async () => {
      const { a, dropped } = await pausedFor(TTL_MS + HEARTBEAT_MS);
      expect(a.ids()).toEqual(['node1']);
      // A cut link: the heartbeat reaches the registry once the link is back, the answer never comes.
      registry.unreachable.delete('node2');
      registry.answersLost.add('node2');
      await vi.advanceTimersByTimeAsync(HEARTBEAT_MS);
      expect(dropped).toEqual([]);
      registry.answersLost.delete('node2');
      await vi.advanceTimersByTimeAsync(HEARTBEAT_MS);
      expect(dropped).toHaveLength(1);
      await vi.advanceTimersByTimeAsync(3 * HEARTBEAT_MS);
      expect(dropped).toHaveLength(1);
    });

    it('shorter than the TTL: still a member, nothing to report', async () => {
      const { a, b, dropped } = await pausedFor(TTL_MS - 2 * HEARTBEAT_MS);
      expect(b.membership.isStale()).toBe(false);
      registry.unreachable.delete('node2');
      await vi.advanceTimersByTimeAsync(3 * HEARTBEAT_MS);
      expect(dropped).toEqual([]);
      expect(a.ids()).toEqual(['node1', 'node2']);
      expect(a.changes.flatMap((change) => change.left)).toEqual([]);
    });

    it('a new instance under a dropped id is a fresh join, not a drop', async () => {
      const { b } = await pausedFor(TTL_MS + HEARTBEAT_MS);
      b.membership.stop();
      registry.unreachable.delete('node2');
      const restarted = start(member('node2', 'node2-b'));
      const dropped: NodeDropped[] = [];
      restarted.membership.on('dropped', (event) => dropped.push(event));
      await restarted.membership.join();
      await vi.advanceTimersByTimeAsync(2 * HEARTBEAT_MS);
      expect(dropped).toEqual([]);
      expect(restarted.ids()).toEqual(['node1', 'node2']);
    });
  });

  describe('records that fail their signature', () => {
    const forger = new MemberSignature('a-guess-at-the-secret!');
    const FORGED = /^ignored member record\(s\) whose signature failed: /;

    it('never count as members, and are named in a warning at most once per 5 s', async () => {
      const a = await joined(member('node1'));
      registry.write('trap', forger.seal(member('trap')));
      registry.write('bare', JSON.stringify(member('bare')));
      registry.write('junk', 'not json');
      await vi.advanceTimersByTimeAsync(10 * HEARTBEAT_MS);
      expect(a.ids()).toEqual(['node1']);
      expect(a.changes.flatMap((change) => change.joined)).toEqual(['node1']);
      const warnings = a.log.at('warn').filter((line) => FORGED.test(line));
      expect(warnings).toHaveLength(2);
      expect(warnings[0]).toContain('"trap", "bare", (no id)');
      expect(warnings[0]).toContain('never forwarded to');
    });

    it("hide a peer whose record was altered, until the peer's next heartbeat restores it", async () => {
      const [a] = await twoJoined();
      await vi.advanceTimersByTimeAsync(HEARTBEAT_MS);
      expect(a.ids()).toEqual(['node1', 'node2']);
      const signed = JSON.parse(new MemberSignature(SECRET).seal(member('node2'))) as object;
      registry.write('node2', JSON.stringify({ ...signed, url: 'http://trap.test' }));
      a.membership.beatSoon();
      await vi.advanceTimersByTimeAsync(0);
      expect(a.ids()).toEqual(['node1']);
      await vi.advanceTimersByTimeAsync(2 * HEARTBEAT_MS);
      expect(a.ids()).toEqual(['node1', 'node2']);
      expect(a.membership.current().members.get(asNodeId('node2'))?.url).toBe('http://node2.test');
    });

    it("holding this node's id are replaced, not obeyed as a conflict", async () => {
      registry.write('node1', forger.seal(member('node1', 'impostor')));
      const a = start(member('node1'));
      const conflicts: NodeIdTakenError[] = [];
      a.membership.on('conflict', (error) => conflicts.push(error));
      await a.membership.join();
      expect(a.ids()).toEqual(['node1']);
      expect(a.membership.current().members.get(asNodeId('node1'))?.instance).toBe('node1-a');
      registry.write('node1', 'not json');
      await vi.advanceTimersByTimeAsync(HEARTBEAT_MS);
      expect(conflicts).toEqual([]);
      expect(a.log.at('warn').filter((line) => FORGED.test(line))).toHaveLength(1);
      expect(a.log.at('warn')[0]).toContain('"node1"');
    });
  });

  describe('a node id in use', () => {
    it('is refused at join while another process holds it', async () => {
      const first = start(member('node1', 'first'));
      await first.membership.join();
      // Each refusal comes after one TTL in which the holder keeps renewing its record.
      const second = expect(start(member('node1', 'second')).membership.join()).rejects.toThrow(
        NodeIdTakenError,
      );
      await vi.advanceTimersByTimeAsync(TTL_MS + 2 * HEARTBEAT_MS);
      await second;
      const third = expect(start(member('node1', 'third')).membership.join()).rejects.toThrow(
        /node id node1 is already used by a live node at http:\/\/node1\.test/,
      );
      await vi.advanceTimersByTimeAsync(TTL_MS + 2 * HEARTBEAT_MS);
      await third;
    });

    it("is taken once a crashed predecessor's record lapses, when restarted at once", async () => {
      const first = start(member('node1', 'first'));
      await first.membership.join();
      first.membership.stop(); // a crash: no leave, the heartbeats just stop
      const restarted = start(member('node1', 'restarted'));
      let joined = false;
      const joining = restarted.membership.join().then(() => (joined = true));
      await vi.advanceTimersByTimeAsync(HEARTBEAT_MS);
      expect(joined).toBe(false);
      await vi.advanceTimersByTimeAsync(TTL_MS + HEARTBEAT_MS);
      await joining;
      expect(restarted.membership.current().members.get(asNodeId('node1'))?.instance).toBe('restarted');
      expect(restarted.log.at('info').some((line) => line.includes('waiting up to'))).toBe(true);
    });

    it('taken over while this node was out of touch: conflict, and the heartbeats stop', async () => {
      const a = start(member('node1', 'first'));
      const conflicts: NodeIdTakenError[] = [];
      a.membership.on('conflict', (error) => conflicts.push(error));
      await a.membership.join();
      registry.failure = new Error('paused');
      await vi.advanceTimersByTimeAsync(TTL_MS);
      registry.failure = undefined;
      await start(member('node1', 'impostor')).membership.join();
      await vi.advanceTimersByTimeAsync(HEARTBEAT_MS);
      expect(conflicts).toHaveLength(1);
      expect(conflicts[0]!.holder.instance).toBe('impostor');
      const before = registry.heartbeats;
      await vi.advanceTimersByTimeAsync(3 * HEARTBEAT_MS);
      // Only the impostor's own timer still runs.
      expect(registry.heartbeats).toBe(before + 3);
    });
  });
});
