/** Latency figures of one benchmark variant, in milliseconds. */
export interface LatencySummary {
  samples: number;
  p50: number;
  p99: number;
  mean: number;
  max: number;
}

/** Nearest-rank percentiles: every reported value is one that was really measured. */
export function summarize(samplesMs: readonly number[]): LatencySummary {
  if (samplesMs.length === 0) return { samples: 0, p50: NaN, p99: NaN, mean: NaN, max: NaN };
  const sorted = Float64Array.from(samplesMs).sort();
  const total = sorted.reduce((sum, value) => sum + value, 0);
  return {
    samples: sorted.length,
    p50: toMicroseconds(percentile(sorted, 50)),
    p99: toMicroseconds(percentile(sorted, 99)),
    mean: toMicroseconds(total / sorted.length),
    max: toMicroseconds(sorted[sorted.length - 1]),
  };
}

/** Finer digits than a microsecond are timer noise; they only clutter the result file. */
function toMicroseconds(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

function percentile(sorted: Float64Array, p: number): number {
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}
