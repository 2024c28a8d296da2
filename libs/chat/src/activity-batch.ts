export interface ActivityBatchOptions {
  /** A room's activity is written at most once per this window. @default 1000 */
  windowMs?: number;
  /** A batch that could not be written (the order of the rooms list is best effort). */
  onError: (error: Error) => void;
  /** The clock. @default Date.now */
  now?: () => number;
}

/** Rooms remembered as just written, beyond which the stale ones are dropped. */
const WRITTEN_PRUNE_AT = 4096;

/**
 * Room activity from messages, written at most once per room per window: the
 * first message in a while is written at once, later ones are remembered and
 * written together (one command for every room pending) when the window ends.
 * Every message used to cost its node a Redis command of its own for the rooms
 * list's order, a second write per message next to the append itself; the
 * list's order is good to a second either way.
 */
export class ActivityBatch {
  /** Per room: when its activity was last written. */
  private readonly written = new Map<string, number>();
  /** Per room: its latest activity not yet written. */
  private readonly pending = new Map<string, number>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly windowMs: number;
  private readonly now: () => number;

  constructor(
    private readonly write: (entries: Array<[room: string, at: number]>) => Promise<void>,
    private readonly options: ActivityBatchOptions,
  ) {
    this.windowMs = options.windowMs ?? 1000;
    this.now = options.now ?? Date.now;
  }

  /** `room` was active now. */
  note(room: string): void {
    const at = this.now();
    const last = this.written.get(room);
    if (last === undefined || at - last >= this.windowMs) {
      this.written.set(room, at);
      if (this.written.size > WRITTEN_PRUNE_AT) this.prune(at);
      return this.send([[room, at]]);
    }
    this.pending.set(room, at);
    if (this.timer) return;
    // Due when the window of the write that made this one wait ends.
    this.timer = setTimeout(() => this.flush(), this.windowMs - (at - last));
    // A batch never keeps a stopping node alive: at worst a second of order is lost.
    this.timer.unref?.();
  }

  /** Writes what is pending now (a node stopping calls it). */
  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending.size === 0) return;
    const entries = [...this.pending];
    this.pending.clear();
    const at = this.now();
    for (const [room] of entries) this.written.set(room, at);
    this.prune(at);
    this.send(entries);
  }

  private prune(at: number): void {
    for (const [room, written] of this.written) {
      if (at - written >= this.windowMs && !this.pending.has(room)) this.written.delete(room);
    }
  }

  private send(entries: Array<[string, number]>): void {
    this.write(entries).catch((error: Error) => this.options.onError(error));
  }
}
