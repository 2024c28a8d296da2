import type { NodeId } from '@app/cluster';

/** A node to forward to: its id (for logs and suspicion) and advertised URL. */
export interface ForwardTarget {
  id: NodeId;
  url: string;
}

/** What became of a forward; `unreachable` means the owner could not be reached in time. */
export type ForwardOutcome = 'forwarded' | 'unreachable' | 'aborted';
