import type { NodeId } from './ids.js';

/** `left`: a graceful leave (the node said so); `expired`: its heartbeats stopped. */
export type MembershipEventKind = 'joined' | 'left' | 'expired';

export interface MembershipEvent {
  kind: MembershipEventKind;
  node: NodeId;
  /** The ring epoch the change produced. */
  epoch: number;
  /** ms since the epoch, when this node saw it. */
  at: number;
}

export interface MembershipEventLogOptions {
  /**
   * How long a departure waits for the leaver's own announcement before it counts
   * as an expiry: a leaving node removes itself first and announces right after,
   * so a peer's heartbeat may see it gone a moment before the word arrives. @default 1000
   */
  graceMs?: number;
  /** How many recent events are kept. @default 50 */
  keep?: number;
  /** Told of each event once it is classified. */
  onEvent: (event: MembershipEvent) => void;
  /** @default Date.now */
  now?: () => number;
}

/** How long an announcement of a leave is remembered, waiting for the registry to show it. */
const ANNOUNCEMENT_MEMORY_MS = 30_000;

/**
 * Tells a graceful leave from an expiry, and keeps the latest membership events
 * for people (the admin view). A node that leaves gracefully announces it; one
 * whose heartbeats stopped (crash, pause, cut off from Redis) does not. Owns its
 * timers: `close` clears them.
 */
export class MembershipEventLog {
  private readonly announced = new Map<NodeId, number>();
  private readonly waiting = new Map<NodeId, { epoch: number; timer: NodeJS.Timeout }>();
  private readonly events: MembershipEvent[] = [];
  private readonly graceMs: number;
  private readonly keep: number;
  private readonly now: () => number;

  constructor(private readonly options: MembershipEventLogOptions) {
    this.graceMs = options.graceMs ?? 1000;
    this.keep = options.keep ?? 50;
    this.now = options.now ?? Date.now;
  }

  /** The latest events, oldest first. */
  recent(): readonly MembershipEvent[] {
    return this.events;
  }

  joined(node: NodeId, epoch: number): void {
    this.announced.delete(node);
    this.record({ kind: 'joined', node, epoch, at: this.now() });
  }

  /** `node` said it is leaving (its announcement on the membership channel). */
  announce(node: NodeId): void {
    const waiting = this.waiting.get(node);
    if (waiting) {
      clearTimeout(waiting.timer);
      this.waiting.delete(node);
      this.record({ kind: 'left', node, epoch: waiting.epoch, at: this.now() });
      return;
    }
    this.announced.set(node, this.now());
  }

  /** The registry no longer lists `node`. */
  departed(node: NodeId, epoch: number): void {
    const announcedAt = this.announced.get(node);
    this.announced.delete(node);
    if (announcedAt !== undefined && this.now() - announcedAt <= ANNOUNCEMENT_MEMORY_MS) {
      this.record({ kind: 'left', node, epoch, at: this.now() });
      return;
    }
    if (this.waiting.has(node)) return;
    const timer = setTimeout(() => {
      this.waiting.delete(node);
      this.record({ kind: 'expired', node, epoch, at: this.now() });
    }, this.graceMs);
    timer.unref();
    this.waiting.set(node, { epoch, timer });
  }

  close(): void {
    for (const { timer } of this.waiting.values()) clearTimeout(timer);
    this.waiting.clear();
  }

  private record(event: MembershipEvent): void {
    this.events.push(event);
    if (this.events.length > this.keep) this.events.shift();
    this.options.onEvent(event);
  }
}
