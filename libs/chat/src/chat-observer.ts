import type { ErrorCode } from '@app/chat-protocol';

/** How a read of stored messages came about. */
export type HistoryReadKind = 'history' | 'replay' | 'resume';

/**
 * What the chat tells whoever counts (metrics, the admin view's activity). A
 * seam, not a dependency: the chat knows no metrics library, and every method
 * is called synchronously on the hot path, so it must be cheap.
 */
export interface ChatObserver {
  /** A send was stored (`duplicate`: a retry of one stored before) and acked `seconds` after it arrived. */
  stored(room: string, duplicate: boolean, seconds: number): void;
  /** A stored message went out to `recipients` connections of its room on this node. */
  delivered(room: string, recipients: number): void;
  /** Stored messages were read for a client: a history page, a replay after an id, or a resume. */
  read(kind: HistoryReadKind): void;
  /** A request or a handshake was refused with `code`. */
  refused(code: ErrorCode): void;
  /** A presence reconciliation round ended; `repaired` identities were added or removed. */
  reconciled(repaired: number): void;
}

/** Observes nothing: the default until a node plugs its counters in. */
export const NO_CHAT_OBSERVER: ChatObserver = {
  stored: () => undefined,
  delivered: () => undefined,
  read: () => undefined,
  refused: () => undefined,
  reconciled: () => undefined,
};
