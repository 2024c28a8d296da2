import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { table } from '../../bench/lib/compare-report.js';
import type { ChaosResult, FaultRecord } from './chaos-run.js';
import { FAULT_KINDS } from './fault-kinds.js';

/** The result as people read it: faults by kind, then every check with ok or FAIL. */
export function chaosTable(result: ChaosResult): string {
  const { delivery, presence, stuck, clients, verdict } = result;
  const transports = Object.entries(clients.byTransport)
    .map(([kind, count]) => `${count} ${kind}`)
    .join(', ');
  const lines = [
    `chaos run ${result.runId}: seed ${result.seed}, ${phaseLength(result.options)} of faults, ` +
      `${clients.total} clients (${transports}), ${result.options.rooms} rooms, ${result.durationS} s in all`,
    '',
    table(
      [
        'fault',
        'injected',
        'max length',
        'max recovered after',
        'max presence healed after',
        'not recovered',
      ],
      faultRows(result.faults),
    ),
    '',
    table(
      ['check', 'result', 'verdict'],
      [
        ['acked messages', String(delivery.acked), ''],
        ['entries in the room streams', String(delivery.stored), ''],
        ['acked but not stored', String(delivery.ackedNotStored.length), ok(delivery.ackedNotStored.length)],
        [
          'stored twice (same clientMsgId)',
          String(delivery.storedTwice.length),
          ok(delivery.storedTwice.length),
        ],
        ['deliveries owed to present members', String(delivery.expectedDeliveries), ''],
        ['deliveries lost', String(delivery.lost.length), ok(delivery.lost.length)],
        [
          'pushed live twice to one client',
          String(delivery.pushedTwice.length),
          ok(delivery.pushedTwice.length),
        ],
        ['zombies (listed, not connected)', byView(presence.zombies), ok(presence.zombies.length)],
        ['missing (connected, not listed)', byView(presence.missing), ok(presence.missing.length)],
        ['presence views unreadable', String(presence.unreadable.length), ok(presence.unreadable.length)],
        [
          'clients connected at the end',
          `${clients.connectedAtEnd} of ${clients.total}`,
          ok(stuck.disconnected.length),
        ],
        [
          'final probes that reached every member',
          `${result.options.rooms - stuck.probesFailed.length} of ${result.options.rooms}`,
          ok(stuck.probesFailed.length),
        ],
        ['sends still unacknowledged', String(stuck.waitingSends), ok(stuck.waitingSends)],
        [
          'sends the client gave up on',
          String(delivery.givenUp.length),
          delivery.givenUp.length ? 'note' : '',
        ],
        ['reconnects (all clients)', String(clients.reconnects), ''],
      ],
    ),
    '',
    ...details(result),
    verdict.passed ? 'verdict: PASS' : `verdict: FAIL (${verdict.failures.join('; ')})`,
  ];
  return lines.join('\n');
}

function faultRows(faults: FaultRecord[]): string[][] {
  const seconds = (values: Array<number | undefined>): string => {
    const known = values.filter((v): v is number => v !== undefined);
    return known.length ? `${(Math.max(...known) / 1000).toFixed(1)} s` : '-';
  };
  const rows = FAULT_KINDS.map((kind) => {
    const of = faults.filter((f) => f.kind === kind);
    return [
      kind,
      String(of.length),
      seconds(of.map((f) => f.faultMs)),
      seconds(of.map((f) => f.recoveredMs)),
      seconds(of.map((f) => f.presenceHealedMs)),
      String(of.filter((f) => f.problems.length > 0).length),
    ];
  });
  rows.push([
    'all',
    String(faults.length),
    seconds(faults.map((f) => f.faultMs)),
    seconds(faults.map((f) => f.recoveredMs)),
    seconds(faults.map((f) => f.presenceHealedMs)),
    String(faults.filter((f) => f.problems.length > 0).length),
  ]);
  return rows;
}

function byView(findings: Array<{ view: string }>): string {
  if (findings.length === 0) return '0';
  const counts = new Map<string, number>();
  for (const f of findings) counts.set(f.view, (counts.get(f.view) ?? 0) + 1);
  return `${findings.length} (${[...counts].map(([view, n]) => `${view} ${n}`).join(', ')})`;
}

const ok = (count: number): string => (count === 0 ? 'ok' : 'FAIL');

/** The first few of each failure, so the table alone says where to look. */
function details(result: ChaosResult): string[] {
  const out: string[] = [];
  const some = <T>(title: string, items: T[], show: (item: T) => string): void => {
    if (items.length === 0) return;
    out.push(`${title} (${items.length}; first ${Math.min(items.length, 8)}):`);
    for (const item of items.slice(0, 8)) out.push(`  ${show(item)}`);
  };
  const { delivery, presence, stuck } = result;
  some(
    'faults not recovered',
    result.faults.filter((f) => f.problems.length),
    (f) => `${f.kind} at ${f.atS} s (${f.detail}): ${f.problems.join('; ')}`,
  );
  some(
    'acked but not stored',
    delivery.ackedNotStored,
    (s) => `${s.client} ${s.room} ${s.id} (${s.clientMsgId})`,
  );
  some('stored twice', delivery.storedTwice, (s) => `${s.room} ${s.clientMsgId}: ${s.ids.join(', ')}`);
  some('lost', delivery.lost, (l) => `${l.client} never got ${l.room} ${l.id}`);
  some('pushed twice', delivery.pushedTwice, (p) => `${p.client} got ${p.room} ${p.id} ${p.count} times`);
  some('zombies', presence.zombies, (z) => `${z.view}: ${z.room} lists ${z.user} (${z.userId})`);
  some('missing', presence.missing, (m) => `${m.view}: ${m.room} lacks ${m.user} (${m.userId})`);
  some('given up by the client', delivery.givenUp, (s) => `${s.client} ${s.room}: ${s.error}`);
  some('unreadable', presence.unreadable, (u) => `${u.view}: ${u.error}`);
  some('not connected at the end', stuck.disconnected, (name) => name);
  if (out.length) out.push('');
  return out;
}

/**
 * Writes `chaos-<run id>.json` (everything), `.txt` (the table) and a folder
 * with the output of every process the run started; returns the JSON's path.
 */
export function writeChaosResult(
  dir: string,
  result: ChaosResult,
  tableText: string,
  logs: Array<{ name: string; lines: string[] }>,
): string {
  mkdirSync(dir, { recursive: true });
  const base = join(dir, `chaos-${result.runId}`);
  writeFileSync(`${base}.json`, `${JSON.stringify(result, null, 2)}\n`);
  writeFileSync(`${base}.txt`, `${tableText}\n`);
  mkdirSync(`${base}-logs`, { recursive: true });
  const byName = new Map<string, string[]>();
  for (const { name, lines } of logs) byName.set(name, [...(byName.get(name) ?? []), ...lines]);
  for (const [name, lines] of byName)
    writeFileSync(join(`${base}-logs`, `${name}.log`), `${lines.join('\n')}\n`);
  return `${base}.json`;
}

/** Sortable and free of colons: 20260121T184022Z-seed42. */
export function chaosRunId(date: Date, seed: number): string {
  const stamp = date
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  return `${stamp}-seed${seed}`;
}

function phaseLength(options: ChaosResult['options']): string {
  const rounds = options.rounds === undefined ? '' : `${options.rounds} round(s), at most `;
  return `${rounds}${options.minutes} min`;
}
