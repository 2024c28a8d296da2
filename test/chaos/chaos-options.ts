import { FAULT_KINDS, type FaultKind } from './fault-kinds.js';

/** What one chaos run does; every default is the one `npm run chaos` uses. */
export interface ChaosOptions {
  /** Length of the fault phase (with `rounds`, its upper bound). @default 3 */
  minutes: number;
  /** End the fault phase once every kind has run this many times, even before `minutes`. @default unset (only `minutes`) */
  rounds?: number;
  /** Seeds the fault order, the fault timings and the clients' rooms. @default the time of the start */
  seed: number;
  /** Chat clients: a third WebSocket-only, a third polling-only, a third default. @default 100 */
  clients: number;
  /** Rooms they chat in. @default 10 */
  rooms: number;
  /** Rooms each client joins. @default 3 */
  roomsPerClient: number;
  /** Each client sends a message every 2–5 s. */
  sendEveryMs: [number, number];
  /** Quiet time between a fault's recovery and the next fault. @default 3–8 s */
  gapMs: [number, number];
  /** Wait after the last fault before the checks. @default 15 s */
  settleMs: number;
  /** The nodes' DRAIN_TIMEOUT_MS (a graceful leave's wait for relayed traffic). @default unset (the node's default) */
  drainTimeoutMs?: number;
  /** A fault not recovered within this long counts as not recovered. @default 45 s */
  recoveryTimeoutMs: number;
  /** Fault kinds to draw from. @default all */
  faults: FaultKind[];
  /** Deliberately break the run, to show that the checks fail: see `--help`. @default none */
  sabotage?: Sabotage;
}

export const SABOTAGES = ['loss', 'duplicate', 'zombie'] as const;
export type Sabotage = (typeof SABOTAGES)[number];

export function defaultChaosOptions(): ChaosOptions {
  return {
    minutes: 3,
    seed: Date.now() % 2 ** 31,
    clients: 100,
    rooms: 10,
    roomsPerClient: 3,
    sendEveryMs: [2000, 5000],
    gapMs: [3000, 8000],
    settleMs: 15_000,
    recoveryTimeoutMs: 45_000,
    faults: [...FAULT_KINDS],
  };
}

export const CHAOS_HELP = `npm run chaos -- [options]

Starts redis-server, three nodes and nginx on free loopback ports, drives chat
clients through nginx and injects one fault at a time; then checks that nothing
was lost or duplicated and that presence matches the live connections. Prints a
table, writes test/chaos/results/chaos-<run id>.json and .txt, exits 1 on any failed check.

  --minutes N     length of the fault phase (default 3; fractions allowed)
  --rounds N      end the fault phase once every kind has run N times (--minutes still bounds it)
  --gap A-B       seconds of quiet between a fault's recovery and the next (default 3-8)
  --settle S      seconds between the last fault and the checks (default 15)
  --drain-timeout MS  the nodes' DRAIN_TIMEOUT_MS (default: the node's own)
  --seed S        seed of the fault order and timings (default: from the clock; printed)
  --clients N     chat clients, a third each WebSocket, polling-only, default (default 100)
  --rooms N       rooms (default 10)
  --faults a,b    fault kinds to use (default all: ${FAULT_KINDS.join(', ')})
  --sabotage K    break the run on purpose to see a check fail: ${SABOTAGES.join(', ')}
                  (loss: one client forgets a message; duplicate: a message is stored twice;
                  zombie: one live client is counted as gone)
  -h, --help      this text
`;

/** Reads the command line; throws on anything it does not know. */
export function parseChaosArgs(args: string[], base = defaultChaosOptions()): ChaosOptions | 'help' {
  const options = { ...base };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    const value = (): string => {
      const next = args[++i];
      if (next === undefined) throw new Error(`${arg} needs a value`);
      return next;
    };
    const number = (min: number): number => {
      const parsed = Number(value());
      if (!Number.isFinite(parsed) || parsed < min) throw new Error(`${arg} must be a number ≥ ${min}`);
      return parsed;
    };
    switch (arg) {
      case '-h':
      case '--help':
        return 'help';
      case '--minutes':
        options.minutes = number(0.1);
        break;
      case '--rounds':
        options.rounds = Math.floor(number(1));
        break;
      case '--gap': {
        const text = value();
        const [low, high] = text.split('-').map(Number);
        if (!(low >= 0 && high >= low)) throw new Error(`${arg} must be A-B seconds, A ≤ B`);
        options.gapMs = [low * 1000, high * 1000];
        break;
      }
      case '--settle':
        options.settleMs = number(0) * 1000;
        break;
      case '--drain-timeout':
        options.drainTimeoutMs = Math.floor(number(0));
        break;
      case '--seed':
        options.seed = Math.floor(number(0));
        break;
      case '--clients':
        options.clients = Math.floor(number(3));
        break;
      case '--rooms':
        options.rooms = Math.floor(number(1));
        options.roomsPerClient = Math.min(options.roomsPerClient, options.rooms);
        break;
      case '--faults':
        options.faults = value()
          .split(',')
          .map((kind) => {
            if (!(FAULT_KINDS as readonly string[]).includes(kind)) throw new Error(`unknown fault ${kind}`);
            return kind as FaultKind;
          });
        break;
      case '--sabotage': {
        const kind = value();
        if (!(SABOTAGES as readonly string[]).includes(kind)) throw new Error(`unknown sabotage ${kind}`);
        options.sabotage = kind as Sabotage;
        break;
      }
      default:
        throw new Error(`unknown option ${arg} (see --help)`);
    }
  }
  return options;
}
