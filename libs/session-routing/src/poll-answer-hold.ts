/** What the hold needs of one engine.io socket (engine-internals.ts adapts the real one). */
export interface HeldSocket {
  /** Open, and its transport is long-polling (not closing, not upgraded to a WebSocket). */
  openPolling(): boolean;
  /** A poll is waiting for an answer. */
  pollWaiting(): boolean;
  /** Packets queued and not yet sent. */
  queued(): number;
  /** engine.io's own flush: answers the waiting poll with every queued packet. */
  flushNow(): void;
}

export interface PollAnswerHoldOptions {
  /** The longest a packet waits for others to share its answer. */
  holdMs: number;
  /** The clock, in ms. @default performance.now */
  now?: () => number;
}

/**
 * Batching for long-polling. engine.io answers a waiting poll the moment one
 * packet is queued, so a busy polling client costs its node (and nginx, and
 * itself) one HTTP exchange per message. Held, the answer waits until the oldest
 * queued packet has waited `holdMs`, and carries everything queued by then: the
 * exchanges per message fall with the message rate, and no packet waits more
 * than `holdMs` longer than it would have. A poll that arrives to find packets
 * queued that long already is answered at once; so is any socket closing or on a
 * WebSocket.
 */
export class PollAnswerHold {
  /** When the oldest packet still queued was queued. */
  private oldestAt: number | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly holdMs: number;
  private readonly now: () => number;

  constructor(
    private readonly socket: HeldSocket,
    options: PollAnswerHoldOptions,
  ) {
    this.holdMs = options.holdMs;
    this.now = options.now ?? (() => performance.now());
  }

  /** Called where engine.io would flush: a packet was queued, or a poll arrived. */
  flush(): void {
    const socket = this.socket;
    if (!socket.openPolling() || socket.queued() === 0) return this.send();
    const now = this.now();
    this.oldestAt ??= now;
    // No poll waiting: the next one calls flush again when it arrives.
    if (!socket.pollWaiting()) return;
    const due = this.oldestAt + this.holdMs;
    if (now >= due) return this.send();
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      this.flush();
    }, due - now);
  }

  /** The socket closed: nothing more to send. */
  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private send(): void {
    this.stop();
    this.socket.flushNow();
    if (this.socket.queued() === 0) this.oldestAt = undefined;
  }
}
