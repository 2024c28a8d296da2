import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { LogThrottle, type Log } from '@app/logging';
import { ReplayCache } from './replay-cache.js';

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
  /** This node's id: it signs as this node, and accepts only signatures made for it. */
  self: string;
  /** Accept signatures this far from the local clock. @default 30000 */
  maxSkewMs?: number;
  /**
   * Most signatures remembered at once (each for about `maxSkewMs`), so each is
   * accepted once. When full, new ones are refused until old ones expire: the
   * request is then routed as a client's. @default 200000
   */
  replayCacheSize?: number;
  /** Where refused replays and a full cache are reported (throttled). @default none */
  log?: Log;
}

export const PEER_AUTH_DEFAULTS = {
  maxSkewMs: 30_000,
  replayCacheSize: 200_000,
} as const;

export interface RequestLine {
  method: string;
  url: string;
}

// v2: the receiver's id and a nonce are signed too, so a captured signature is good
// for one request to one node.
const AUTH_PATTERN = /^v2\.(\d{1,15})\.([A-Za-z0-9_-]{16,64})\.([0-9a-f]{64})$/;

/**
 * Signs and verifies forwarded requests with an HMAC of who, to whom, hop, when,
 * a nonce, and what. A verified nonce is remembered while its time window lasts,
 * so each signature is accepted once.
 */
export class PeerAuth {
  private readonly maxSkewMs: number;
  private readonly seen: ReplayCache;
  private readonly logThrottle = new LogThrottle();

  constructor(private readonly options: PeerAuthOptions) {
    this.maxSkewMs = options.maxSkewMs ?? PEER_AUTH_DEFAULTS.maxSkewMs;
    this.seen = new ReplayCache(options.replayCacheSize ?? PEER_AUTH_DEFAULTS.replayCacheSize);
  }

  /** Fresh peer headers for one request this node forwards to node `to`. */
  sign(to: string, request: RequestLine, now = Date.now()): Record<string, string> {
    const from = this.options.self;
    const hop = '1';
    const nonce = randomBytes(16).toString('base64url');
    return {
      [PEER_HEADERS.peer]: from,
      [PEER_HEADERS.hop]: hop,
      [PEER_HEADERS.auth]: `v2.${now}.${nonce}.${this.mac({ from, to, hop, at: now, nonce }, request)}`,
    };
  }

  /**
   * The sending node's id if the request carries valid peer headers made for
   * this node and never seen before; undefined for anything else (absent,
   * forged, stale, meant for another node, replayed, malformed).
   */
  verify(headers: IncomingHttpHeaders, request: RequestLine, now = Date.now()): string | undefined {
    const from = headers[PEER_HEADERS.peer];
    const hop = headers[PEER_HEADERS.hop];
    const auth = headers[PEER_HEADERS.auth];
    if (typeof from !== 'string' || typeof hop !== 'string' || typeof auth !== 'string') return undefined;
    const match = AUTH_PATTERN.exec(auth);
    if (!match || hop !== '1') return undefined;
    const at = Number(match[1]);
    if (Math.abs(now - at) > this.maxSkewMs) return undefined;
    const nonce = match[2];
    const expected = Buffer.from(this.mac({ from, to: this.options.self, hop, at, nonce }, request), 'hex');
    if (!timingSafeEqual(expected, Buffer.from(match[3], 'hex'))) return undefined;
    // Only signatures that verified take room in the cache: no one without the secret can fill it.
    const admission = this.seen.admit(nonce, at + this.maxSkewMs, now);
    if (admission === 'fresh') return from;
    this.reportRefusal(admission, from);
    return undefined;
  }

  private reportRefusal(admission: 'replayed' | 'full', from: string): void {
    if (!this.options.log || !this.logThrottle.allow(admission)) return;
    if (admission === 'replayed') {
      this.options.log.warn(
        `refused a replayed peer signature (from ${from}, seen before); routed as a client request`,
      );
    } else {
      this.options.log.warn(
        `refused a peer signature from ${from}: the replay cache is full ` +
          `(${this.seen.capacity} signatures within ${this.maxSkewMs} ms); routed as a client request`,
      );
    }
  }

  private mac(
    signed: { from: string; to: string; hop: string; at: number; nonce: string },
    request: RequestLine,
  ): string {
    const { from, to, hop, at, nonce } = signed;
    return createHmac('sha256', this.options.secret)
      .update(`ringchat peer v2\n${from}\n${to}\n${hop}\n${at}\n${nonce}\n${request.method}\n${request.url}`)
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
