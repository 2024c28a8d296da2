import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ForwardOutcome, ForwardTarget } from './forward-target.js';
import { InFlight } from './in-flight.js';
import type { PeerAuth } from './peer-auth.js';
import { RelayConnection, type RelayConnectionOptions, type RelayOpening } from './relay-connection.js';
import { RELAY_PATH } from './relay-frames.js';

export interface RelayForwarderOptions extends RelayConnectionOptions {
  /**
   * After an owner answered that it does not know the relay (a node of an older
   * version), how long its polls go by signed HTTP before asking again. @default 60000
   */
  notSpokenRetryMs?: number;
  /**
   * After an owner refused a relay connection (it is leaving, or does not count
   * this node a member yet), how long its polls go by signed HTTP. @default 1000
   */
  refusedRetryMs?: number;
}

export const RELAY_FORWARDER_DEFAULTS = { notSpokenRetryMs: 60_000, refusedRetryMs: 1000 } as const;

/** `not-spoken`: no relay to this owner now; nothing was read or written, forward otherwise. */
export type RelayOutcome = ForwardOutcome | 'not-spoken';

/**
 * Forwards polls and pushes over one relay connection per owner (see
 * RelayConnection), opened on first use, signed once, reopened after a loss.
 * Only ever connects to the advertised URL of the target it is given.
 */
export class RelayForwarder {
  /** Relayed requests under way: a draining node waits for them. */
  readonly inFlight = new InFlight();
  private readonly openings = new Map<string, Promise<RelayOpening>>();
  private readonly notSpokenUntil = new Map<string, number>();
  private readonly retryMs: { 'not-spoken': number; refused: number };

  constructor(
    private readonly peerAuth: Pick<PeerAuth, 'sign'>,
    private readonly options: RelayForwarderOptions = {},
  ) {
    this.retryMs = {
      'not-spoken': options.notSpokenRetryMs ?? RELAY_FORWARDER_DEFAULTS.notSpokenRetryMs,
      refused: options.refusedRetryMs ?? RELAY_FORWARDER_DEFAULTS.refusedRetryMs,
    };
  }

  /** False for a while after the owner answered the relay upgrade with something else. */
  speaksTo(target: ForwardTarget): boolean {
    const until = this.notSpokenUntil.get(target.url);
    if (until === undefined) return true;
    if (Date.now() < until) return false;
    this.notSpokenUntil.delete(target.url);
    return true;
  }

  async forward(req: IncomingMessage, res: ServerResponse, target: ForwardTarget): Promise<RelayOutcome> {
    const done = this.inFlight.start();
    try {
      const connection = await this.connectionTo(target);
      if (connection === 'refused') return 'not-spoken';
      if (typeof connection === 'string') return connection;
      return await connection.forward(req, res);
    } finally {
      done();
    }
  }

  /** Closes the connection to a node that left. */
  forget(url: string): void {
    const opening = this.openings.get(url);
    this.openings.delete(url);
    this.notSpokenUntil.delete(url);
    void opening?.then((connection) => typeof connection !== 'string' && connection.close());
  }

  close(): void {
    for (const url of this.openings.keys()) this.forget(url);
  }

  private connectionTo(target: ForwardTarget): Promise<RelayOpening> {
    const { url } = target;
    const existing = this.openings.get(url);
    if (existing) return existing;
    const opening = RelayConnection.open(
      target,
      this.peerAuth.sign(target.id, { method: 'GET', url: RELAY_PATH }),
      this.options,
    ).then((connection) => {
      if (typeof connection !== 'string') {
        // Lost or told to go away: the next request opens a new one.
        connection.whenUnusable(() => {
          if (this.openings.get(url) === opening) this.openings.delete(url);
        });
        return connection;
      }
      if (this.openings.get(url) === opening) this.openings.delete(url);
      if (connection !== 'unreachable') this.notSpokenUntil.set(url, Date.now() + this.retryMs[connection]);
      return connection;
    });
    this.openings.set(url, opening);
    return opening;
  }
}
