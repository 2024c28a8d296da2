import { monitorEventLoopDelay } from 'node:perf_hooks';

export interface EventLoopLagReport {
  /** 99th percentile of how late the loop ran a timer, ms, over the last 5-10 s. */
  p99Ms: number;
  /** The worst lateness over the same window, ms. */
  maxMs: number;
}

const RESOLUTION_MS = 20;
const NS_PER_MS = 1e6;

/**
 * How late the event loop runs, over a recent window: what a request that
 * holds the loop costs everyone else on the node (heartbeats included).
 * Reported in /cluster for people and tests.
 */
export class EventLoopLag {
  private readonly histogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  private previous: EventLoopLagReport = { p99Ms: 0, maxMs: 0 };
  private timer?: ReturnType<typeof setInterval>;

  /** @param windowMs how long a window lasts; a report covers this one and the one before. */
  start(windowMs = 5000): this {
    this.histogram.enable();
    this.timer = setInterval(() => {
      this.previous = this.current();
      this.histogram.reset();
    }, windowMs);
    this.timer.unref();
    return this;
  }

  report(): EventLoopLagReport {
    const current = this.current();
    return {
      p99Ms: Math.max(current.p99Ms, this.previous.p99Ms),
      maxMs: Math.max(current.maxMs, this.previous.maxMs),
    };
  }

  stop(): void {
    clearInterval(this.timer);
    this.histogram.disable();
  }

  /** Nest calls this on shutdown: the timer and the monitor stop with the node. */
  onModuleDestroy(): void {
    this.stop();
  }

  /** The histogram measures whole timer intervals; lateness is what exceeds the resolution. */
  private current(): EventLoopLagReport {
    const late = (ns: number): number => Math.max(0, Math.round(ns / NS_PER_MS - RESOLUTION_MS));
    if (this.histogram.count === 0) return { p99Ms: 0, maxMs: 0 };
    return { p99Ms: late(this.histogram.percentile(99)), maxMs: late(this.histogram.max) };
  }
}
