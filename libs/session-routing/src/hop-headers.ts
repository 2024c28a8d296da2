import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';

// Headers about one connection, not the message: never passed across a hop
// (RFC 9110 §7.6.1). `upgrade` and `connection` are rebuilt for upgrades.
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

/** A copy of `headers` without hop-by-hop ones, plus `extra`. */
export function endToEndHeaders(
  headers: IncomingHttpHeaders,
  extra: Record<string, string> = {},
): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined && !HOP_BY_HOP.has(name)) out[name] = value;
  }
  return Object.assign(out, extra);
}
