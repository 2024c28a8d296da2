import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

/**
 * Headers a node adds to a request it forwards. nginx blanks them on client
 * requests, and a node ignores them unless the signature proves the sender
 * holds CLUSTER_SECRET.
 */
export const PEER_HEADERS = {
  peer: 'x-ringchat-peer',
  hop: 'x-ringchat-hop',
  auth: 'x-ringchat-auth',
} as const;

export interface PeerAuthOptions {
  /** The shared CLUSTER_SECRET. */
  secret: string;
  /** Accept signatures this far from the local clock (replay window). @default 30000 */
  maxSkewMs?: number;
}

export interface RequestLine {
  method: string;
  url: string;
}

/** Signs and verifies forwarded requests with an HMAC of who, hop, when, and what. */
export class PeerAuth {
  private readonly maxSkewMs: number;

  constructor(private readonly options: PeerAuthOptions) {
    this.maxSkewMs = options.maxSkewMs ?? 30_000;
  }

  /** The peer headers for a request this node forwards. */
  sign(from: string, request: RequestLine, now = Date.now()): Record<string, string> {
    const hop = '1';
    return {
      [PEER_HEADERS.peer]: from,
      [PEER_HEADERS.hop]: hop,
      [PEER_HEADERS.auth]: `v1.${now}.${this.mac(from, hop, now, request)}`,
    };
  }

  /**
   * The sending node's id if the request carries valid peer headers; undefined
   * for anything else (absent, forged, stale, malformed).
   */
  verify(headers: IncomingHttpHeaders, request: RequestLine, now = Date.now()): string | undefined {
    const from = headers[PEER_HEADERS.peer];
    const hop = headers[PEER_HEADERS.hop];
    const auth = headers[PEER_HEADERS.auth];
    if (typeof from !== 'string' || typeof hop !== 'string' || typeof auth !== 'string') return undefined;
    const match = /^v1\.(\d{1,15})\.([0-9a-f]{64})$/.exec(auth);
    if (!match || hop !== '1') return undefined;
    const at = Number(match[1]);
    if (Math.abs(now - at) > this.maxSkewMs) return undefined;
    const expected = Buffer.from(this.mac(from, hop, at, request), 'hex');
    const given = Buffer.from(match[2], 'hex');
    return timingSafeEqual(expected, given) ? from : undefined;
  }

  private mac(from: string, hop: string, at: number, request: RequestLine): string {
    return createHmac('sha256', this.options.secret)
      .update(`${from}\n${hop}\n${at}\n${request.method}\n${request.url}`)
      .digest('hex');
  }
}

const PEER_HEADER_NAMES = Object.values(PEER_HEADERS);

/** Whether a request carries any peer header at all (almost no client request does). */
export function hasPeerHeaders(headers: IncomingHttpHeaders): boolean {
  return PEER_HEADER_NAMES.some((name) => headers[name] !== undefined);
}

/** Removes peer headers so nothing downstream mistakes them for trusted ones. */
export function stripPeerHeaders(headers: IncomingHttpHeaders): void {
  for (const name of PEER_HEADER_NAMES) delete headers[name];
}
