/**
 * `npm run chaos`: a bounded run of faults against a real cluster, then the
 * checks (see README, "Chaos run"). The table goes to stdout, progress to
 * stderr; the result file and every process's output go to test/chaos/results/.
 * Exit code 0: every check passed; 1: a check failed, or the run could not
 * finish (it never outlives its deadline); 2: bad arguments.
 */
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { existsSync } from 'node:fs';
import { NODE_ENTRY } from '../harness/paths.js';
import { CHAOS_HELP, parseChaosArgs, type ChaosOptions } from './chaos-options.js';
import { chaosRunId, chaosTable, writeChaosResult } from './chaos-report.js';
import { ChaosRun } from './chaos-run.js';

const RESULTS_DIR = fileURLToPath(new URL('./results/', import.meta.url));
/** Beyond the fault phase: start-up, the last recovery, settling and the checks. */
const DEADLINE_MARGIN_MS = 240_000;
/** A stop that itself hangs is cut short; the harness SIGKILLs its children on exit. */
const STOP_GRACE_MS = 30_000;

const progress = (message: string): void => void process.stderr.write(`[chaos] ${message}\n`);

function options(): ChaosOptions {
  try {
    const parsed = parseChaosArgs(process.argv.slice(2));
    if (parsed === 'help') {
      process.stdout.write(CHAOS_HELP);
      process.exit(0);
    }
    return parsed;
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(2);
  }
}

async function main(): Promise<number> {
  const chosen = options();
  if (!existsSync(NODE_ENTRY)) throw new Error(`${NODE_ENTRY} is missing: build first, or use npm run chaos`);
  const run = new ChaosRun(chosen, progress);
  const leave = (why: string, code: number): void => {
    progress(`${why}: stopping every process`);
    setTimeout(() => process.exit(code), STOP_GRACE_MS).unref();
    void run.stop().finally(() => process.exit(code));
  };
  process.once('SIGINT', () => leave('SIGINT', 130));
  process.once('SIGTERM', () => leave('SIGTERM', 143));
  const deadlineMs = chosen.minutes * 60_000 + DEADLINE_MARGIN_MS;
  const deadline = setTimeout(() => leave(`deadline of ${deadlineMs / 1000} s passed`, 1), deadlineMs);
  try {
    const started = new Date();
    const result = await run.run(chaosRunId(started, chosen.seed));
    const text = chaosTable(result);
    process.stdout.write(`${text}\n`);
    const file = writeChaosResult(RESULTS_DIR, result, text, run.logs);
    progress(`results written to ${relative(process.cwd(), file)}`);
    return result.verdict.passed ? 0 : 1;
  } finally {
    clearTimeout(deadline);
  }
}

try {
  process.exitCode = await main();
} catch (error) {
  progress(`failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exitCode = 1;
}
// A handle left open by a library must not keep a finished run alive.
setTimeout(() => process.exit(), 5000).unref();
