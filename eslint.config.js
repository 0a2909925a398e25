import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/**', '**/dist/**', '.data/**', '.tools/**', '.scratch/**', 'eslint.config.js'] },
  ...tseslint.configs.recommended,
  {
    // The PGlite worker is plain JavaScript (Node starts it outside tsx); lint it all the same.
    languageOptions: {
      parserOptions: {
        projectService: {
          allowDefaultProject: [
            'db/pglite-worker.mjs',
            'activities/providers/language/local-thread.mjs',
            'deploy/healthcheck.mjs',
          ],
        },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // The rooms' direction (ARCHITECTURE.md): activities and queries know the workflows only by
    // their contract (types); SQL lives in db/.
    files: ['db/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/workflows/*', '!**/workflows/contract.js'],
              message: 'Import only the contract (workflows/contract.ts) from workflows.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['activities/**/*.ts', 'api/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/workflows/*', '!**/workflows/contract.js', '!**/workflows/call.messages.js'],
              message: 'Import the contract or the signal definitions from workflows, nothing else.',
            },
            {
              group: ['drizzle-orm', 'drizzle-orm/*', '**/db/schema/*', '!**/db/schema/dimensions.js'],
              message: 'SQL lives in db/queries: call a query.',
            },
          ],
        },
      ],
    },
  },
  {
    // Workflow code must stay deterministic: no Node built-ins, no I/O modules.
    files: ['workflows/**/*.ts', 'temporal.config.ts'],
    // Tests beside the workflows drive the real stack; only workflow code is sandboxed.
    ignores: ['workflows/**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['node:*', 'fs', 'path', 'http', 'https', 'net', 'crypto', 'child_process', 'os', 'dns'],
              message: 'Workflow code cannot use Node built-ins.',
            },
            {
              group: [
                'pg',
                'drizzle-orm',
                'drizzle-orm/*',
                '@electric-sql/*',
                'telnyx',
                '@deepgram/*',
                '@anthropic-ai/*',
                'openai',
                '../db/*',
                '../api/*',
              ],
              message: 'Workflow code cannot do I/O; call an activity.',
            },
          ],
        },
      ],
    },
  },
);
