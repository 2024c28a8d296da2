import { defineConfig } from 'vitest/config';

// Two projects: `unit` (pure logic, specs beside their files, parallel) and
// `e2e` (real redis-server, nodes and nginx; one file at a time on 2 cores).
// `@app/*` imports resolve through tsconfig.json's paths.
export default defineConfig({
  resolve: { tsconfigPaths: true },
  test: {
    reporters: ['default', './test/summary-reporter.ts'],
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: [
            'apps/**/*.spec.ts',
            'libs/**/*.spec.ts',
            'nginx/**/*.spec.ts',
            'bench/**/*.spec.ts',
            'test/chaos/**/*.spec.ts',
          ],
        },
      },
      {
        extends: true,
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.e2e-spec.ts'],
          fileParallelism: false,
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
    ],
  },
});
