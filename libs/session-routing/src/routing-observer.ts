import type { EngineRequestKind } from './engine-request.js';
import type { ForwardOutcome } from './forward-target.js';

/**
 * What the router tells whoever counts (a node's metrics): a seam, so routing
 * knows no metrics library. Called synchronously; must be cheap.
 */
export interface RoutingObserver {
  /**
   * A request of `kind` was forwarded to its owner with `outcome`, after
   * `seconds`: until the owner's answer ended (HTTP) or began (an upgrade,
   * whose bytes are then piped until either side closes).
   */
  forwarded(kind: EngineRequestKind, outcome: ForwardOutcome, seconds: number): void;
}

export const NO_ROUTING_OBSERVER: RoutingObserver = { forwarded: () => undefined };
