import { EventLoopLag } from './event-loop-lag.js';

/** What this node is doing: whether it takes traffic, what it hosts, how its loop keeps up. */
export class NodeState {
  /** False before listen and once shutdown starts. */
  serving = false;
  shuttingDown = false;
  /** Sessions this node hosts right now (set once the engine exists). */
  localSessions: () => number = () => 0;
  /** The same sessions by current transport (`polling`, `websocket`). */
  sessionsByTransport: () => Record<string, number> = () => ({});
  /** Sampled from start-up on, so a starved loop shows from outside (`/cluster`). */
  readonly eventLoopLag = new EventLoopLag().start();
}
