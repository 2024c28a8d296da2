import type { Reporter, TestModule } from 'vitest/node';

/**
 * Ends the run with one plain line, `tests: N passed, N failed`, which CI and
 * people can read without knowing vitest's output.
 */
export default class SummaryReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<unknown>): void {
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    for (const module of testModules) {
      // Tests that never ran because their file or a hook failed count as failed,
      // not skipped: a broken setup must never read as a green run.
      const moduleFailed = module.state() === 'failed';
      let counted = 0;
      for (const test of module.children.allTests()) {
        const state = test.result().state;
        counted += 1;
        if (state === 'passed') passed += 1;
        else if (state === 'failed' || moduleFailed) failed += 1;
        else skipped += 1;
      }
      // A file that failed to load has no tests to count: count it as one failure.
      if (moduleFailed && counted === 0) failed += 1;
    }
    failed += unhandledErrors.length;
    const skippedPart = skipped > 0 ? `, ${skipped} skipped` : '';
    process.stdout.write(`\ntests: ${passed} passed, ${failed} failed${skippedPart}\n`);
  }
}
