import { EventEmitter } from 'node:events';
import { LogThrottle, type Log } from '@app/logging';
import type { ResolvedClusterOptions } from './cluster-options.js';
import type { NodeId } from './ids.js';
import type { ClusterChange, Member } from './member.js';
import { MemberSignature } from './member-signature.js';
import type { Admission, HeartbeatResult, MembershipStore, Registration } from './membership-store.js';

export class NodeIdTakenError extends Error {
  constructor(readonly holder: Member) {
    super(
      `node id ${holder.id} is already used by a live node at ${holder.url} ` +
        `(started ${new Date(holder.startedAt).toISOString()}); choose another NODE_ID`,
    );
    this.name = 'NodeIdTakenError';
  }
}

export interface MembershipEvents {
  change: [ClusterChange];
  /** This node's id was taken over while it was out of touch: it must stop. */
  conflict: [NodeIdTakenError];
  /**
   * Peers expired this node while it was out of touch (paused, or cut off from
   * Redis alone), and a heartbeat added it back: whatever it served meanwhile
   * was taken over. Emitted after the `change` that shows the current view, at
   * the first answered heartbeat since, even if the one that re-added it went
   * unanswered.
   */
  dropped: [NodeDropped];
}

export interface NodeDropped {
  /** How long this node had no answer to a heartbeat (monotonic clock). */
  silentMs: number;
}

/** What a heartbeat tells this node, once the records are checked. */
type CheckedHeartbeat =
  | { kind: 'ok'; epoch: number; members: Map<NodeId, Member>; admission?: Admission }
  | { kind: 'conflict'; holder: Member };

/** Names at most this many ids in one warning about forged records. */
const FORGED_IDS_SHOWN = 5;

/**
 * Keeps this node registered (heartbeat with TTL) and the view of the others
 * current, emitting `change` whenever the member set or the epoch moves. Needs
 * no peer list: Redis is the meeting point, but not a trusted one: only records
 * signed with the cluster secret count as members.
 */
export class Membership extends EventEmitter<MembershipEvents> {
  private members = new Map<NodeId, Member>();
  private epoch = 0;
  private timer?: NodeJS.Timeout;
  private beating?: Promise<void>;
  private beatAgain = false;
  private left = false;
  /** When the last heartbeat was answered (performance.now()); its view is that old. */
  private answeredAt = 0;
  /** Redis time of this node's admission as last answered: another one means it was dropped. */
  private admittedAt?: number;
  // Redis away fails every heartbeat; one line per 5 s says so.
  private readonly failureLogThrottle = new LogThrottle();
  // A forged record stays in Redis until someone removes it; one line per 5 s says so.
  private readonly forgedLogThrottle = new LogThrottle();
  private readonly records: MemberSignature;
  private readonly registration: Registration;

  constructor(
    private readonly self: Member,
    private readonly store: MembershipStore,
    private readonly options: ResolvedClusterOptions,
    private readonly log: Log,
  ) {
    super();
    this.records = new MemberSignature(options.secret);
    this.registration = { id: self.id, instance: self.instance, record: this.records.seal(self) };
  }

  /**
   * Registers this node; rejects with NodeIdTakenError if the id is live elsewhere.
   * A holder is given one member TTL (plus a heartbeat) to expire first: a node
   * restarted at once after a crash finds its predecessor's record still there,
   * which lapses unless a live process keeps renewing it.
   */
  async join(): Promise<void> {
    const deadline = Date.now() + this.options.memberTtlMs + this.options.heartbeatIntervalMs;
    let result = await this.heartbeat();
    if (result.kind === 'conflict')
      this.log.info(
        `node id ${this.self.id} is held by ${result.holder.url}; waiting up to ` +
          `${deadline - Date.now()} ms for that record to lapse, as a crashed predecessor's would`,
      );
    while (result.kind === 'conflict' && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, this.options.heartbeatIntervalMs));
      result = await this.heartbeat();
    }
    if (result.kind === 'conflict') throw new NodeIdTakenError(result.holder);
    this.answeredAt = performance.now();
    this.admittedAt = result.admission?.at;
    this.apply(result.epoch, result.members);
    this.timer = setInterval(() => this.beatSoon(), this.options.heartbeatIntervalMs);
  }

  /** Heartbeat now (coalesced): used when a peer announces a join or leave. */
  beatSoon(): void {
    if (this.left) return;
    if (this.beating) {
      this.beatAgain = true;
      return;
    }
    this.beating = this.beat().finally(() => {
      this.beating = undefined;
      if (this.beatAgain) {
        this.beatAgain = false;
        this.beatSoon();
      }
    });
  }

  /**
   * Resolves once a heartbeat that began after this call has been answered (or
   * has failed): for a caller that met a member this node has not heard of yet.
   * Coalesced with the other heartbeats, like beatSoon.
   */
  async catchUp(): Promise<void> {
    if (this.left) return;
    const running = this.beating !== undefined;
    this.beatSoon();
    await this.beating;
    // The beat under way may have read the registry before the news: the one queued after it has not.
    if (running) await this.beating;
  }

  /** Leaves the registry at once (graceful shutdown). Idempotent. */
  async leave(): Promise<void> {
    if (this.left) return;
    this.left = true;
    this.stopTimer();
    await this.beating;
    const epoch = await this.store.leave(this.self);
    const others = new Map(this.members);
    others.delete(this.self.id);
    this.apply(epoch, others);
  }

  /** Stops heartbeating without leaving (the TTL will expire this node). */
  stop(): void {
    this.left = true;
    this.stopTimer();
  }

  current(): { epoch: number; members: ReadonlyMap<NodeId, Member> } {
    return { epoch: this.epoch, members: this.members };
  }

  /**
   * True when no heartbeat was answered for longer than the TTL (Redis away, or
   * this process paused): peers may have moved on, the view may be out of date.
   */
  isStale(): boolean {
    return this.answeredAt > 0 && performance.now() - this.answeredAt > this.options.memberTtlMs;
  }

  private stopTimer(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private async beat(): Promise<void> {
    try {
      const result = await this.heartbeat();
      if (this.left) return;
      if (result.kind === 'conflict') {
        this.stop();
        this.emit('conflict', new NodeIdTakenError(result.holder));
        return;
      }
      const silentMs = performance.now() - this.answeredAt;
      this.answeredAt = performance.now();
      const dropped = this.readmitted(result.admission);
      this.apply(result.epoch, result.members);
      if (dropped) this.emit('dropped', { silentMs });
    } catch (error) {
      // Redis away: keep the last view; peers keep forwarding to the nodes we know.
      if (this.failureLogThrottle.allow()) {
        this.log.warn(`heartbeat failed: ${(error as Error).message}; keeping ring epoch ${this.epoch}`);
      }
    }
  }

  /**
   * One heartbeat, with the records checked. A record holding this node's id
   * that fails its signature is no conflict: it is replaced, and the heartbeat
   * repeated once.
   */
  private async heartbeat(): Promise<CheckedHeartbeat> {
    let replaces: string | undefined;
    const timing = { ttlMs: this.options.memberTtlMs, intervalMs: this.options.heartbeatIntervalMs };
    for (;;) {
      const result = await this.store.heartbeat({ ...this.registration, replaces }, timing);
      if (result.kind === 'ok') {
        return {
          kind: 'ok',
          epoch: result.epoch,
          members: this.verified(result),
          admission: result.admission,
        };
      }
      const holder = this.records.open(result.record);
      if (holder.ok) return { kind: 'conflict', holder: holder.member };
      if (replaces !== undefined)
        throw new Error(`could not replace a forged record holding node id ${this.self.id}`);
      this.warnForged([holder.claimedId]);
      replaces = result.record;
    }
  }

  /** This instance was admitted again since the admission this node last saw: it was dropped. */
  private readmitted(admission: Admission | undefined): boolean {
    const readmitted = admission?.again === true && admission.at !== this.admittedAt;
    this.admittedAt = admission?.at;
    return readmitted;
  }

  /** The members whose records open; the others are ignored, with a warning. */
  private verified(result: Extract<HeartbeatResult, { kind: 'ok' }>): Map<NodeId, Member> {
    const members = new Map<NodeId, Member>();
    const forged: Array<string | undefined> = [];
    for (const record of result.records) {
      const opened = this.records.open(record);
      if (opened.ok) members.set(opened.member.id, opened.member);
      else forged.push(opened.claimedId);
    }
    if (forged.length > 0) this.warnForged(forged);
    return members;
  }

  private warnForged(claimedIds: Array<string | undefined>): void {
    if (!this.forgedLogThrottle.allow()) return;
    const names = claimedIds.map((id) => (id === undefined ? '(no id)' : JSON.stringify(id.slice(0, 64))));
    const shown = names.slice(0, FORGED_IDS_SHOWN).join(', ');
    const more = names.length > FORGED_IDS_SHOWN ? ` and ${names.length - FORGED_IDS_SHOWN} more` : '';
    this.log.warn(
      `ignored member record(s) whose signature failed: ${shown}${more}; ` +
        `not a member, never forwarded to (written by something without CLUSTER_SECRET, ` +
        `or by a node with another CLUSTER_SECRET)`,
    );
  }

  private apply(epoch: number, members: Map<NodeId, Member>): void {
    const joined = [...members.keys()].filter((id) => !this.members.has(id));
    const left = [...this.members.values()].filter((member) => !members.has(member.id));
    if (epoch === this.epoch && joined.length === 0 && left.length === 0) return;
    this.epoch = epoch;
    this.members = members;
    this.emit('change', { epoch, members, joined, left });
  }
}
