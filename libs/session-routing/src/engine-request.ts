import type { IncomingMessage } from 'node:http';
import { shareQueryWithEngine } from './engine-internals.js';
import { parseEngineQuery } from './engine-query.js';

/** What an engine.io request asks for, read from its method, URL and headers. */
export type EngineRequestKind = 'handshake' | 'poll' | 'push' | 'upgrade' | 'other';

export interface EngineRequestInfo {
  kind: EngineRequestKind;
  /** The session id, when the request names one. */
  sid?: string;
  transport?: string;
  /** A JSONP poll or push (`j` in the query). */
  jsonp?: true;
}

/**
 * Each request's classification, made once by the router and reused after it,
 * kept on the request itself. Not in a WeakMap: V8's young-generation GC keeps a
 * WeakMap's keys alive, so every request (its headers, its response) would
 * survive into the old generation and wait there for a full GC.
 */
const DESCRIBED = Symbol('ringchat.engineRequestInfo');
type DescribedRequest = IncomingMessage & { [DESCRIBED]?: EngineRequestInfo };

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
 * that arrived through the server's `upgrade` event. The URL is parsed once per
 * request: placement and the close race ask again after the router, and
 * engine.io takes the query read here instead of parsing the URL again.
 */
export function describeEngineRequest(req: IncomingMessage, isUpgrade: boolean): EngineRequestInfo {
  return ((req as DescribedRequest)[DESCRIBED] ??= classify(req, isUpgrade));
}

function classify(req: IncomingMessage, isUpgrade: boolean): EngineRequestInfo {
  const query = parseEngineQuery(req.url ?? '/');
  // engine.io serves by the same reading: the sid routed is the sid served.
  shareQueryWithEngine(req, query);
  const { sid, transport } = query;
  const kind = kindOf(req.method, isUpgrade, sid !== undefined);
  return 'j' in query ? { kind, sid, transport, jsonp: true } : { kind, sid, transport };
}

function kindOf(method: string | undefined, isUpgrade: boolean, hasSid: boolean): EngineRequestKind {
  if (isUpgrade) return hasSid ? 'upgrade' : 'handshake';
  if (!hasSid) return method === 'GET' ? 'handshake' : 'other';
  if (method === 'GET') return 'poll';
  return method === 'POST' ? 'push' : 'other';
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
