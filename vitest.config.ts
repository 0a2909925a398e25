import { defineConfig } from 'vitest/config';

const exclude = ['node_modules/**', '.data/**', '.tools/**', 'dist/**'];

export default defineConfig({
  test: {
    setupFiles: ['test/no-network.ts'],
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 120_000,
    projects: [
      {
        extends: true,
        test: {
          name: 'suite',
          include: ['**/*.test.ts'],
          exclude: [...exclude, 'test/cluster.test.ts'],
          globalSetup: ['test/global-setup.ts'],
          sequence: { groupOrder: 0 },
        },
      },
      {
        // The production topology (npm run cluster) runs alone, after the rest: it takes the
        // machine's two cores, and the suite's timing tests must not share them with it.
        extends: true,
        test: {
          name: 'cluster',
          include: ['test/cluster.test.ts'],
          exclude,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
