import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, platform, release, totalmem } from 'node:os';
import { join } from 'node:path';
import { progress, sleep } from './progress.js';
import type { LatencySummary } from './stats.js';

/** One line of the result table. */
export interface ResultRow {
  scenario: string;
  variant: string;
  latency: LatencySummary;
  /** Deliveries that never arrived; undefined where nothing can be lost. */
  lost?: number;
}

export interface MachineInfo {
  cpu: string;
  cores: number;
  memoryGiB: number;
  os: string;
  node: string;
  /** 1-minute load average when the run started (it includes the last minute's work). */
  loadAverageAtStart: number;
}

export function machineInfo(): MachineInfo {
  const cores = cpus();
  return {
    cpu: cores[0]?.model.trim() ?? 'unknown',
    cores: cores.length,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    os: `${platform()} ${release()}`,
    node: process.version,
    loadAverageAtStart: Math.round(loadavg()[0] * 100) / 100,
  };
}

export interface CpuUse {
  /** All processes, all cores: 100 means every core was busy the whole time. */
  machinePercent: number;
  /** This process (the benchmark's clients) alone: 100 means one core's worth. */
  benchProcessPercent: number;
}

/**
 * Starts measuring CPU use; the returned function gives it since the start. A busy
 * machine means requests queued for a CPU, which shows in p99 and max; a busy
 * benchmark process means the clients themselves were part of the latency.
 */
export function startCpuMeter(): () => CpuUse {
  const before = cpuTimes();
  const processBefore = process.cpuUsage();
  const startedAt = performance.now();
  return () => {
    const after = cpuTimes();
    const total = after.total - before.total;
    const own = process.cpuUsage(processBefore);
    const elapsedMs = performance.now() - startedAt;
    return {
      machinePercent: total > 0 ? Math.round((100 * (total - (after.idle - before.idle))) / total) : 0,
      benchProcessPercent: Math.round((own.user + own.system) / 10 / elapsedMs),
    };
  };
}

function cpuTimes(): { total: number; idle: number } {
  let total = 0;
  let idle = 0;
  for (const { times } of cpus()) {
    total += times.user + times.nice + times.sys + times.irq + times.idle;
    idle += times.idle;
  }
  return { total, idle };
}

export function markdownTable(rows: ResultRow[]): string {
  const header = ['scenario', 'variant', 'samples', 'p50 ms', 'p99 ms', 'mean ms', 'max ms', 'lost'];
  const lines = rows.map(({ scenario, variant, latency, lost }) => [
    scenario,
    variant,
    String(latency.samples),
    ms(latency.p50),
    ms(latency.p99),
    ms(latency.mean),
    ms(latency.max),
    lost === undefined ? '-' : String(lost),
  ]);
  return alignedTable(header, lines);
}

/** A markdown table with its columns padded to their widest cell. */
export function alignedTable(header: string[], lines: string[][]): string {
  const widths = header.map((title, column) =>
    Math.max(title.length, ...lines.map((line) => line[column].length)),
  );
  const format = (cells: string[]): string =>
    `| ${cells.map((cell, column) => cell.padEnd(widths[column])).join(' | ')} |`;
  const rule = `|${widths.map((width) => '-'.repeat(width + 2)).join('|')}|`;
  return [format(header), rule, ...lines.map(format)].join('\n');
}

function ms(value: number): string {
  return Number.isFinite(value) ? value.toFixed(2) : '-';
}

/**
 * Writes `<dir>/<name>-<timestamp>.json`. The timestamp is ISO 8601 in its basic
 * form (20260121T184022Z): sortable, and without the colons some file systems refuse.
 */
export function writeResultFile(dir: string, name: string, date: Date, content: unknown): string {
  mkdirSync(dir, { recursive: true });
  const stamp = date
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  const file = join(dir, `${name}-${stamp}.json`);
  writeFileSync(file, `${JSON.stringify(content, null, 2)}\n`);
  return file;
}

/** Other work on the machine shows in the numbers: say so before they are taken. */
export async function warnIfBusy(): Promise<number> {
  const meter = startCpuMeter();
  await sleep(1000);
  const busy = meter().machinePercent;
  if (busy >= 20) progress(`warning: the machine is already ${busy}% busy; the numbers will be noisy`);
  return busy;
}
