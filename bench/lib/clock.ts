/**
 * Milliseconds on the system's monotonic clock (CLOCK_MONOTONIC via hrtime), with
 * microsecond digits. Unlike `performance.now()`, whose origin is each process's
 * start, every process on the machine reads the same clock: a time stamp written
 * by one process can be subtracted from another's.
 */
export function nowMs(): number {
  return Number(process.hrtime.bigint() / 1000n) / 1000;
}
