import { describe, expect, it } from 'vitest';
import type { SystemResults } from './compare-report.js';
import type { SweepResult } from './fanout.js';
import { headlineRatios } from './sticky-report.js';

/** A sweep as the ratio lines read it: its best figure, and its ceiling when it found one. */
function sweep(best: number, ceiling?: { passed: number; failed: number }): SweepResult {
  return { bestDeliveriesPerSec: best, ceiling, steps: [], stoppedBecause: '' } as unknown as SweepResult;
}

function fanoutLine(ours: SweepResult, theirs: SweepResult): string {
  const results: SystemResults[] = [
    { system: 'ringchat', fanout: ours, problems: {} },
    { system: 'peer', fanout: theirs, problems: {} },
  ];
  return headlineRatios(results)
    .split('\n')
    .find((line) => line.startsWith('fanout ratio'))!;
}

describe('headlineRatios', () => {
  it('gives the ratio and its verdict when both sweeps found their ceilings', () => {
    const line = fanoutLine(
      sweep(33_000, { passed: 33_000, failed: 34_000 }),
      sweep(30_000, { passed: 30_000, failed: 31_000 }),
    );
    expect(line).toContain(
      ': 1.10 (33,000 / 30,000 deliveries/s; target ≥ 1.1, reached; ceilings 33,000–34,000 and 30,000–31,000)',
    );
  });

  it('calls a ratio a floor when ringchat passed every step, and decides only what the floor decides', () => {
    const above = fanoutLine(sweep(90_000), sweep(60_000, { passed: 60_000, failed: 75_000 }));
    expect(above).toContain(': ≥ 1.50 (');
    expect(above).toContain('target ≥ 1.1, reached;');
    expect(above).toContain('ringchat passed every step run, so its figure is a floor');
    const below = fanoutLine(sweep(60_000), sweep(90_000, { passed: 90_000, failed: 100_000 }));
    expect(below).toContain(': ≥ 0.67 (');
    expect(below).toContain('target ≥ 1.1, not decided;');
  });

  it('calls a ratio a ceiling when the other system passed every step', () => {
    const line = fanoutLine(sweep(60_000, { passed: 60_000, failed: 75_000 }), sweep(90_000));
    expect(line).toContain(': ≤ 0.67 (');
    expect(line).toContain('target ≥ 1.1, NOT reached;');
    expect(line).toContain('the other system passed every step run');
  });

  it('decides nothing when neither sweep found its ceiling', () => {
    const line = fanoutLine(sweep(90_000), sweep(90_000));
    expect(line).toContain('target ≥ 1.1, not decided;');
    expect(line).toContain('both passed every step run');
  });
});
