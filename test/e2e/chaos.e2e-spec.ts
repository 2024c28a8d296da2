import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../harness/index.js';
import type { ChaosResult } from '../chaos/chaos-run.js';
import { FAULT_KINDS } from '../chaos/fault-kinds.js';

/**
 * The suite's chaos run: one round of every fault kind (about a minute), not a
 * fixed length, so every kind is exercised on every CI run. Shorter quiet gaps
 * and settle than `npm run chaos`, and a 5 s drain instead of 30 s: a chaos
 * graceful leave nearly always ends by cutting relayed polls at the drain
 * timeout, which it then reaches sooner. `npm run chaos` keeps the long defaults.
 */
const SUITE_ARGS = '--rounds 1 --minutes 2 --gap 1-3 --settle 5 --drain-timeout 5000'.split(' ');
/** The chaos engine's own deadline (the --minutes bound plus 4 minutes), plus time to stop. */
const RUN_TIMEOUT_MS = 120_000 + 240_000 + 40_000;

interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
}

describe(`one round of every fault (npm run chaos -- ${SUITE_ARGS.join(' ')})`, () => {
  let child: ChildProcess | undefined;
  afterAll(() => {
    // A test that timed out leaves the run to stop its own cluster.
    child?.kill('SIGTERM');
  });

  it(
    'loses nothing, duplicates nothing, leaves no zombie, no missing member and no stuck client',
    async () => {
      const finished = await new Promise<Finished>((resolve) => {
        const args = ['--enable-source-maps', '--import', './bench/register.mjs', 'test/chaos/chaos.ts'];
        child = spawn(process.execPath, [...args, ...SUITE_ARGS], {
          cwd: PROJECT_ROOT,
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let stdout = '';
        let stderr = '';
        child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
        child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
        child.once('exit', (code) => resolve({ code, stdout, stderr }));
      });
      child = undefined;
      const table = finished.stdout;
      console.info(table);
      const written = /results written to (\S+\.json)/.exec(finished.stderr);
      expect(written, `no result file; stderr:\n${finished.stderr.slice(-3000)}`).not.toBeNull();
      const result = JSON.parse(readFileSync(join(PROJECT_ROOT, written![1]), 'utf8')) as ChaosResult;

      expect(result.faults.length, table).toBeGreaterThanOrEqual(2);
      expect(new Set(result.faults.map((f) => f.kind)), table).toEqual(new Set(FAULT_KINDS));
      expect(result.delivery.acked, table).toBeGreaterThan(0);
      expect(result.delivery.ackedNotStored, table).toEqual([]);
      expect(result.delivery.lost, table).toEqual([]);
      expect(result.delivery.storedTwice, table).toEqual([]);
      expect(result.delivery.pushedTwice, table).toEqual([]);
      expect(result.presence.zombies, table).toEqual([]);
      expect(result.presence.missing, table).toEqual([]);
      expect(result.stuck, table).toEqual({ disconnected: [], probesFailed: [], waitingSends: 0 });
      expect(result.verdict, table).toEqual({ passed: true, failures: [] });
      expect(finished.code, table).toBe(0);
    },
    RUN_TIMEOUT_MS,
  );
});
