/** The faults a chaos run injects, one at a time. */
export const FAULT_KINDS = [
  'node-kill',
  'node-pause',
  'redis-restart',
  'graceful-leave',
  'nginx-reload',
  'flash-clients',
] as const;

export type FaultKind = (typeof FAULT_KINDS)[number];

export const FAULT_DESCRIPTIONS: Record<FaultKind, string> = {
  'node-kill': 'SIGKILL a node, start it again with the same id and port a few seconds later',
  'node-pause': 'SIGSTOP a node for 2–8 s, then SIGCONT',
  'redis-restart': 'stop Redis for 1–8 s, start it again on the same port and data (AOF)',
  'graceful-leave': 'nginx without the node, SIGTERM, then the node back and nginx with it',
  'nginx-reload': 'nginx reload (SIGHUP) with the same upstreams',
  'flash-clients': 'clients that join or resume several rooms and close 5–30 ms later',
};
