import type { IncomingMessage } from 'node:http';

/** What an engine.io request asks for, read from its method, URL and headers. */
export type EngineRequestKind = 'handshake' | 'poll' | 'push' | 'upgrade' | 'other';

export interface EngineRequestInfo {
  kind: EngineRequestKind;
  /** The session id, when the request names one. */
  sid?: string;
  transport?: string;
}

/** Human names used in the logs, e.g. "Received poll request for <sid>". */
export const KIND_LABEL: Record<EngineRequestKind, string> = {
  handshake: 'new connection',
  poll: 'poll',
  push: 'push',
  upgrade: 'WebSocket upgrade',
  other: 'unexpected',
};

/**
 * Classifies a request without consuming it. `isUpgrade` is true for requests
 * that arrived through the server's `upgrade` event.
 */
export function describeEngineRequest(req: IncomingMessage, isUpgrade: boolean): EngineRequestInfo {
  const query = new URL(req.url ?? '/', 'http://localhost').searchParams;
  const sid = query.get('sid') ?? undefined;
  const transport = query.get('transport') ?? undefined;
  if (isUpgrade) return { kind: sid ? 'upgrade' : 'handshake', sid, transport };
  if (!sid) return { kind: req.method === 'GET' ? 'handshake' : 'other', transport };
  if (req.method === 'GET') return { kind: 'poll', sid, transport };
  if (req.method === 'POST') return { kind: 'push', sid, transport };
  return { kind: 'other', sid, transport };
}

/**
 * The log line for a request served here, e.g. `Received poll request for AbC`,
 * `Received new connection request (polling)`, `... for AbC (via node3)`.
 */
export function describeForLog(info: EngineRequestInfo, via?: string): string {
  const subject = info.sid ? ` for ${info.sid}` : '';
  const transport = info.kind === 'handshake' && info.transport ? ` (${info.transport})` : '';
  const hop = via ? ` (via ${via})` : '';
  return `Received ${KIND_LABEL[info.kind]} request${subject}${transport}${hop}`;
}
