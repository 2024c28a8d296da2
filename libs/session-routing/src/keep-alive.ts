/**
 * Idle keep-alive connections must be closed by the side that sends the
 * requests. If a node closed one just as nginx or a forwarding peer sent a
 * request on it, that request would fail: nginx would answer 502 (or retry a
 * long-poll elsewhere), and the forwarder would take a healthy owner for dead.
 * So a node keeps idle connections open longer than any of its callers does:
 * nginx (`keepalive_timeout` of the upstream, 60 s) and the forwarder below.
 */

/** How long a node's HTTP server keeps an idle connection open (Node's default is 5 s). */
export const SERVER_KEEP_ALIVE_TIMEOUT_MS = 75_000;

/** How long the forwarder keeps an idle connection to an owner before closing it itself. */
export const FORWARDER_IDLE_TIMEOUT_MS = 60_000;
