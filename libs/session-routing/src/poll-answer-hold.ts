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
  /**
   * A socket whose previous packet came less than this before is busy and held;
   * any other packet leaves at once. A hold pays only when another packet comes
   * within it, and the last gap is the best guess of the next. @default 2 × holdMs
   */
  busyWindowMs?: number;
  /** The clock, in ms. @default performance.now */
  now?: () => number;
}

/**
 * Batching for long-polling. engine.io answers a waiting poll the moment one
 * packet is queued, so a busy polling client costs its node (and nginx, and
 * itself) one HTTP exchange per message. Held, the answer waits until the oldest
 * queued packet has waited `holdMs`, and carries everything queued by then: the
 * exchanges per message fall with the message rate, and no packet waits more
 * than `holdMs` longer than it would have. Only busy sockets are held: a packet
 * that comes `busyWindowMs` or more after the one before leaves at once, so a
 * client whose messages come too far apart to share an answer pays nothing. A
 * poll that arrives to find packets queued `holdMs` ago is answered at once; so
 * is any socket closing or on a WebSocket.
 */
export class PollAnswerHold {
  /** When the oldest packet still queued was queued. */
  private oldestAt = 0;
  /** The queued packets came after a quiet spell: answer them without holding. */
  private urgent = false;
  /** Packets queued that this hold has seen (so a flush for a new packet is told from one for a poll). */
  private seen = 0;
  private lastPacketAt = Number.NEGATIVE_INFINITY;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly holdMs: number;
  private readonly busyWindowMs: number;
  private readonly now: () => number;

  constructor(
    private readonly socket: HeldSocket,
    options: PollAnswerHoldOptions,
  ) {
    this.holdMs = options.holdMs;
    this.busyWindowMs = options.busyWindowMs ?? 2 * options.holdMs;
    this.now = options.now ?? (() => performance.now());
  }

  /** Called where engine.io would flush: a packet was queued, or a poll arrived. */
  flush(): void {
    const socket = this.socket;
    const queued = socket.queued();
    if (!socket.openPolling() || queued === 0) return this.send();
    const now = this.now();
    // engine.io emptied the buffer some other way (a close, an upgrade).
    if (queued < this.seen) this.seen = 0;
    if (queued > this.seen) {
      if (this.seen === 0) {
        this.oldestAt = now;
        this.urgent = now - this.lastPacketAt >= this.busyWindowMs;
      }
      this.seen = queued;
      this.lastPacketAt = now;
    }
    // No poll waiting: the next one calls flush again when it arrives.
    if (!socket.pollWaiting()) return;
    const due = this.oldestAt + this.holdMs;
    if (this.urgent || now >= due) return this.send();
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
    this.seen = this.socket.queued();
  }
}
