import type { Log } from '@app/logging';
import type { LocalPresence } from './local-presence.js';
import type { PresenceRepair, ShareRepair } from './presence-repair.js';

export interface PresenceReconcilerOptions {
  /** This node's id: the share it rewrites. */
  node: string;
  /** Time between two rounds. @default 5000 */
  intervalMs: number;
}

export interface PresenceReconcilerHooks {
  /** Tells the room's members who came and went (once per real change: the script decides). */
  announce(repair: ShareRepair): void;
  /** Removes a node's whole share and announces who is gone. */
  dropNode(node: string): Promise<void>;
  log: Log;
  /** A round ended (not called when it failed); `repaired` identities were added or removed. */
  onRound?(repaired: number): void;
}

/**
 * Rewrites this node's share of presence from its own connections every
 * `intervalMs` and whenever Redis is back, so that whatever events missed (a
 * Redis restart, a lost leave, a node dropped by mistake) is repaired within a
 * round. Also removes the shares of nodes that have left the cluster: a node
 * that died while Redis was away, say. Owns its timer.
 */
export class PresenceReconciler {
  private timer?: NodeJS.Timeout;
  private unsubscribe?: () => void;
  private running?: Promise<void>;
  private again = false;
  private liveNodes?: () => Iterable<string>;
  /** Nodes holding a share without being members, seen last round: dropped if still so this round. */
  private suspects = new Set<string>();

  constructor(
    private readonly repair: PresenceRepair,
    private readonly local: LocalPresence,
    private readonly options: PresenceReconcilerOptions,
    private readonly hooks: PresenceReconcilerHooks,
  ) {}

  start(): void {
    this.timer ??= setInterval(() => this.trigger(), this.options.intervalMs);
    this.timer.unref();
    this.unsubscribe ??= this.repair.onReady(() => this.trigger());
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    this.unsubscribe?.();
    this.unsubscribe = undefined;
  }

  /** Where to learn the cluster's members; without it no other node's share is removed. */
  watchNodes(liveNodes: () => Iterable<string>): void {
    this.liveNodes = liveNodes;
  }

  /** Runs a round now, or right after the one running. */
  trigger(): void {
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.round()
      .catch((error: Error) => this.hooks.log.warn(`presence reconciliation failed: ${error.message}`))
      .finally(() => {
        this.running = undefined;
        if (!this.again) return;
        this.again = false;
        this.trigger();
      });
  }

  /**
   * One round: this node's share of every room it is in, its index names, or it
   * left since the last round; then other nodes' leftovers.
   */
  async round(): Promise<void> {
    const { node } = this.options;
    // Rooms left since the last round too: their directory entry may have lost a race.
    const emptied = this.local.takeEmptied();
    const rooms = new Set([...this.local.roomNames(), ...(await this.repair.roomsOf(node)), ...emptied]);
    // Snapshot and send room by room in one synchronous loop: each script lands
    // exactly between the joins and leaves sent before and after it.
    const sent = [...rooms].map((room) =>
      this.repair.rewriteShare(room, node, this.local.share(room), () => this.local.has(room)),
    );
    let repaired = 0;
    let failure: Error | undefined;
    for (const result of await Promise.allSettled(sent)) {
      if (result.status === 'rejected') failure ??= result.reason as Error;
      else if (result.value.joined.length + result.value.left.length > 0) {
        repaired += result.value.joined.length + result.value.left.length;
        this.hooks.announce(result.value);
      }
    }
    if (repaired > 0) this.hooks.log.info(`presence repaired: ${repaired} identities added or removed`);
    if (failure) throw failure;
    this.hooks.onRound?.(repaired);
    await this.dropDeparted();
  }

  /** Shares of nodes that are not members two rounds in a row (a newcomer may not be in our view yet). */
  private async dropDeparted(): Promise<void> {
    if (!this.liveNodes) return;
    const live = new Set(this.liveNodes());
    if (!live.has(this.options.node)) return;
    const strangers = (await this.repair.nodesWithShares()).filter((node) => !live.has(node));
    const confirmed = strangers.filter((node) => this.suspects.has(node));
    this.suspects = new Set(strangers);
    for (const node of confirmed) {
      this.hooks.log.info(`${node} holds presence but is no member: removing its share`);
      await this.hooks.dropNode(node);
    }
  }
}
