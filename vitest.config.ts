import { defineConfig } from 'vitest/config';

const exclude = ['node_modules/**', '.data/**', '.tools/**', 'dist/**'];

/**
 * The suite in layers, each with only the environment it needs (test/setup/): `npm test` runs them
 * all; `npm run test:unit` (seconds, nothing started), `test:db`, `test:temporal`,
 * `test:acceptance` and `test:cluster` run one. A test that needs a part its layer does not start
 * fails with the name of the missing part; it never skips.
 */
const DATABASE = 'test/setup/database.ts';
const TEMPORAL = 'test/setup/temporal.ts';
const ENGINES = 'test/setup/engines.ts';
const ACCEPTANCE = [
  'test/**/*.test.ts',
  'activities/pipeline.test.ts',
  'activities/providers/speech/**/*.test.ts',
  'api/voice/**/*.test.ts',
];
const UNIT = '**/*.unit.test.ts';
const CLUSTER = 'test/cluster.test.ts';

export default defineConfig({
  test: {
    setupFiles: ['test/no-network.ts'],
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 120_000,
    projects: [
      {
        // Pure code: the reducer, the plan, parsing, normalisation, the codec, the configuration.
        extends: true,
        test: { name: 'unit', include: [UNIT], exclude, sequence: { groupOrder: 0 } },
      },
      {
        // Queries on PGlite and native PostgreSQL.
        extends: true,
        test: {
          name: 'db',
          include: ['db/**/*.test.ts'],
          exclude: [...exclude, UNIT],
          globalSetup: [DATABASE],
          sequence: { groupOrder: 0 },
        },
      },
      {
        // Workflows, activities and the HTTP app against a real Temporal server.
        extends: true,
        test: {
          name: 'temporal',
          include: ['**/*.test.ts'],
          exclude: [...exclude, UNIT, 'db/**', ...ACCEPTANCE],
          globalSetup: [DATABASE, TEMPORAL],
          sequence: { groupOrder: 0 },
        },
      },
      {
        // The product as its user meets it: npm start as a child process, the offline engines, the browser.
        extends: true,
        test: {
          name: 'acceptance',
          include: ACCEPTANCE,
          exclude: [...exclude, UNIT, CLUSTER],
          globalSetup: [DATABASE, TEMPORAL, ENGINES],
          sequence: { groupOrder: 0 },
        },
      },
      {
        // The production topology (npm run cluster) runs alone, after the rest: it takes the
        // machine's two cores, and the suite's timing tests must not share them with it.
        extends: true,
        test: { name: 'cluster', include: [CLUSTER], exclude, sequence: { groupOrder: 1 } },
      },
    ],
  },
});
