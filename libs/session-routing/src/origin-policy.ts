import type { IncomingMessage } from 'node:http';

/** The refusal a client sees. */
export const ORIGIN_REFUSED = "this page's origin may not connect to this server (see ALLOWED_ORIGINS)";

/** Options of {@link OriginPolicy}. */
export interface OriginPolicyOptions {
  /**
   * Origins allowed besides the request's own host (normalised,
   * `https://chat.example.com`); `['*']` allows any. @default []
   */
  allowed?: readonly string[];
}

/**
 * Which web pages may open a session: a browser names the page's origin in
 * `Origin` on every WebSocket and cross-origin request, so a page elsewhere
 * cannot ride on a visitor's browser. Requests without `Origin` (native and
 * server-side clients, same-origin GETs) are not a browser acting for another
 * site and pass. The host is compared without the port: a proxy in front (nginx
 * sends `Host: $host`) may drop or change it.
 */
export class OriginPolicy {
  private readonly any: boolean;
  private readonly allowed: ReadonlySet<string>;

  constructor(options: OriginPolicyOptions = {}) {
    const allowed = options.allowed ?? [];
    this.any = allowed.includes('*');
    this.allowed = new Set(allowed);
  }

  /** Why the request may not open a session, or undefined when it may. */
  refusal(req: IncomingMessage): string | undefined {
    const origin = req.headers.origin;
    if (origin === undefined || this.any || this.allowed.has(origin)) return undefined;
    if (sameHost(origin, req.headers.host)) return undefined;
    // The origin is not echoed: engine.io sends WebSocket refusals as text/html.
    return ORIGIN_REFUSED;
  }
}

function hostnameOf(origin: string): string | undefined {
  return URL.canParse(origin) ? new URL(origin).hostname : undefined;
}

function sameHost(origin: string, host: string | undefined): boolean {
  if (!host) return false;
  const page = hostnameOf(origin);
  return page !== undefined && page === hostnameOf(`http://${host}`);
}
