#!/usr/bin/env node
// `./cluster.sh logs`: the cluster's log files as one stream, ordered by time.
// Prints the last lines of every file merged by the time each line carries, then
// (with --follow) the lines written since, each batch in time order.
// Usage: merge-logs.mjs [--lines N] [--follow] FILE...
import { closeSync, existsSync, openSync, readSync, readFileSync, statSync } from 'node:fs';
import { basename } from 'node:path';

const FOLLOW_POLL_MS = 250;
const MONTHS = 'Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec'.split(' ');

/**
 * The time a line was written, in ms, or undefined when it carries none (it then
 * sorts with the line before it). Knows the nodes' text (a clock time or a full
 * date) and JSON lines, nginx's access (ISO) and error logs, Redis's and Prometheus's.
 */
function lineTime(line, today = new Date()) {
  let match = /\b(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-]\d{2}:?\d{2})?/.exec(line);
  if (match) {
    const [, y, mo, d, h, mi, s, frac = '', zone = ''] = match;
    return Date.parse(`${y}-${mo}-${d}T${h}:${mi}:${s}${frac.slice(0, 4)}${zone || ''}`);
  }
  // nginx's error log: 2026/12/03 11:42:51
  match = /^(\d{4})\/(\d{2})\/(\d{2}) (\d{2}):(\d{2}):(\d{2})/.exec(line);
  if (match) {
    const [, y, mo, d, h, mi, s] = match.map(Number);
    return new Date(y, mo - 1, d, h, mi, s).getTime();
  }
  // Redis: "1234:M 03 Dec 2026 11:42:51.123 * ..."
  match = /^\d+:[A-Z] (\d{2}) (\w{3}) (\d{4}) (\d{2}):(\d{2}):(\d{2})\.(\d{3})/.exec(line);
  if (match) {
    const [, d, mon, y, h, mi, s, ms] = match;
    return new Date(+y, MONTHS.indexOf(mon), +d, +h, +mi, +s, +ms).getTime();
  }
  // A node's text line with a clock time only: today's, or yesterday's if that is ahead.
  match = /^\[[^\]]+\] (\d{2}):(\d{2}):(\d{2})\.(\d{3}) /.exec(line);
  if (match) {
    const [, h, mi, s, ms] = match.map(Number);
    const time = new Date(today.getFullYear(), today.getMonth(), today.getDate(), h, mi, s, ms).getTime();
    return time > today.getTime() + 60_000 ? time - 86_400_000 : time;
  }
  return undefined;
}

/** Node lines name their node already; other files' lines get their file's name. */
function labelFor(file) {
  const name = basename(file, '.log');
  return name.startsWith('node') ? '' : `[${name}] `;
}

/** Lines with their times, a line without one taking the time of the line before. */
function timed(lines, source, lastTime) {
  let time = lastTime;
  return lines.map((text, index) => {
    time = lineTime(text) ?? time;
    return { time: time ?? 0, source, index, text: `${labelFor(source.file)}${text}` };
  });
}

/** Sorts by time; lines of one file keep their order (a stable sort does the rest). */
function byTime(a, b) {
  return a.time - b.time || a.source.order - b.source.order || a.index - b.index;
}

function print(entries) {
  if (entries.length) process.stdout.write(`${entries.map((entry) => entry.text).join('\n')}\n`);
}

/** Complete lines added to a file since the last read (a truncated file starts over). */
function readNew(source) {
  if (!existsSync(source.file)) return [];
  const size = statSync(source.file).size;
  if (size < source.offset) {
    source.offset = 0;
    source.partial = '';
  }
  if (size === source.offset) return [];
  const buffer = Buffer.alloc(size - source.offset);
  const fd = openSync(source.file, 'r');
  try {
    readSync(fd, buffer, 0, buffer.length, source.offset);
  } finally {
    closeSync(fd);
  }
  source.offset = size;
  const lines = (source.partial + buffer.toString('utf8')).split('\n');
  source.partial = lines.pop() ?? '';
  return lines;
}

function main(argv) {
  let lines = 50;
  let follow = false;
  const files = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--lines') lines = Number(argv[++i]);
    else if (argv[i] === '--follow') follow = true;
    else files.push(argv[i]);
  }
  if (!files.length || !Number.isInteger(lines) || lines < 0) {
    process.stderr.write('usage: merge-logs.mjs [--lines N] [--follow] FILE...\n');
    process.exit(2);
  }
  const sources = files.map((file, order) => ({ file, order, offset: 0, partial: '', lastTime: undefined }));
  const initial = [];
  for (const source of sources) {
    const text = existsSync(source.file) ? readFileSync(source.file, 'utf8') : '';
    source.offset = Buffer.byteLength(text);
    const all = text.split('\n');
    source.partial = all.pop() ?? '';
    const entries = timed(all, source, undefined);
    source.lastTime = entries.at(-1)?.time;
    initial.push(...entries);
  }
  print(lines === 0 ? [] : initial.sort(byTime).slice(-lines));
  if (!follow) return;
  setInterval(() => {
    const batch = [];
    for (const source of sources) {
      const entries = timed(readNew(source), source, source.lastTime);
      if (entries.length) source.lastTime = entries.at(-1).time;
      batch.push(...entries);
    }
    print(batch.sort(byTime));
  }, FOLLOW_POLL_MS);
}

main(process.argv.slice(2));
