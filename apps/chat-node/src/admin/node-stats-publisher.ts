import { LogThrottle, type Log } from '@app/logging';
import type { NodeStats, NodeStatsStore } from './node-stats.js';

export interface NodeStatsPublisherOptions {
  /** Time between two publications (`STATS_INTERVAL_MS`). @default 2000 */
  intervalMs?: number;
  /** A record outlives this many missed publications, then expires. @default 3 */
  ttlIntervals?: number;
}

/**
 * Publishes this node's stats every few seconds, with a TTL, so that any node
 * can answer for the whole cluster from one Redis read. Owns its timer.
 */
export class NodeStatsPublisher {
  private timer?: NodeJS.Timeout;
  private readonly intervalMs: number;
  private readonly ttlMs: number;
  // Redis away fails every publication: one line per 5 s says so.
  private readonly failureLog = new LogThrottle();

  constructor(
    private readonly store: NodeStatsStore,
    private readonly collect: () => NodeStats,
    private readonly log: Log,
    options: NodeStatsPublisherOptions = {},
  ) {
    this.intervalMs = options.intervalMs ?? 2000;
    this.ttlMs = this.intervalMs * (options.ttlIntervals ?? 3);
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.publish(), this.intervalMs);
    this.timer.unref();
    void this.publish();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Writes the record now; a failure is logged, never thrown. */
  async publish(): Promise<void> {
    try {
      await this.store.write(this.collect(), this.ttlMs);
    } catch (error) {
      if (this.failureLog.allow()) this.log.warn(`could not publish node stats: ${(error as Error).message}`);
    }
  }
}
