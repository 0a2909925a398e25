import tseslint from 'typescript-eslint';

/**
 * The floors (ARCHITECTURE.md, "The floors"): each folder may import the floors listed for it and
 * nothing above. Type-only imports are allowed where noted (the workflows know their activities'
 * signatures). Tests, benchmarks and entry points are the exceptions written here, nowhere else.
 */
const ROOMS = [
  'contract',
  'platform',
  'workflows',
  'db',
  'activities',
  'fixtures',
  'temporal',
  'worker',
  'api',
  'deploy',
  'bench',
  'test',
  'dashboard',
  'windmill',
];
const TOP_FILES = { config: '**/config.js', 'temporal.config': '**/temporal.config.js' };
const FLOORS = [
  { files: ['contract/**/*.ts'], may: [] },
  { files: ['platform/**/*.ts'], may: ['contract'] },
  { files: ['config.ts'], may: ['contract', 'platform'] },
  { files: ['temporal.config.ts'], may: ['contract'] },
  { files: ['workflows/**/*.ts'], may: ['contract', 'temporal.config'], types: ['activities'] },
  { files: ['db/**/*.ts'], may: ['contract', 'platform'] },
  { files: ['activities/providers/**/*.ts'], may: ['contract', 'platform'], providersOnly: true },
  {
    files: ['activities/**/*.ts'],
    ignores: ['activities/providers/**'],
    may: ['contract', 'platform', 'db', 'temporal.config', 'activities'],
  },
  { files: ['fixtures/**/*.ts'], may: ['contract', 'platform'] },
  {
    files: ['temporal/**/*.ts'],
    may: ['contract', 'platform', 'temporal.config', 'db'],
    only: { workflows: 'signals.js' },
  },
  {
    files: ['worker/**/*.ts'],
    may: ['contract', 'platform', 'temporal.config', 'workflows', 'db', 'activities', 'temporal'],
    config: ['worker/main.ts', 'worker/worker.ts'],
  },
  {
    files: ['api/**/*.ts'],
    may: ['contract', 'platform', 'temporal.config', 'db', 'activities', 'temporal'],
    only: { workflows: 'signals.js' },
    // The process's entry, its composition, and the entry of the inbox relay's thread (with the
    // Temporal client both build from the configuration).
    config: [
      'api/main.ts',
      'api/compose.ts',
      'api/webhooks/telnyx/relay-worker.ts',
      'api/webhooks/telnyx/relay-thread.ts',
      'api/temporal-gateway.ts',
    ],
  },
  {
    // Every floor of the product; not the tests, the benchmarks, the dashboard or Windmill.
    files: ['deploy/**/*.ts'],
    may: [...ROOMS.filter((r) => !['bench', 'test', 'dashboard', 'windmill'].includes(r)), ...Object.keys(TOP_FILES)],
  },
];

function floorRules() {
  return FLOORS.map((floor) => {
    const own = floor.files[0].split('/')[0].replace(/\.ts$/, '');
    const allowed = new Set([...floor.may, own]);
    const patterns = [];
    for (const room of ROOMS) {
      if (allowed.has(room)) continue;
      const typeOnly = floor.types?.includes(room);
      const only = floor.only?.[room];
      patterns.push({
        group: [`../**/${room}/*`, `./${room}/*`, `../${room}/*`, ...(only ? [`!../**/${room}/${only}`] : [])],
        message: only
          ? `${own}/ may import only ${room}/${only} from ${room}/: see ARCHITECTURE.md, "The floors".`
          : `${own}/ may not import ${room}/ (a floor above it, or outside the product): see ARCHITECTURE.md, "The floors".`,
        ...(typeOnly ? { allowTypeImports: true } : {}),
      });
    }
    for (const [name, glob] of Object.entries(TOP_FILES)) {
      if (allowed.has(name)) continue;
      patterns.push({
        group: [glob],
        message: `${own}/ may not import ${name}.ts: only entry points read the configuration; pass settings as arguments.`,
      });
    }
    if (floor.providersOnly)
      patterns.push({
        group: ['../*.js', '../../*.js', '!../errors.js', '!../index.js', '!../*/port.js', '!../../providers/**'],
        message: 'A provider imports its capability and the shared provider errors, not the activities.',
      });
    const rule = { '@typescript-eslint/no-restricted-imports': ['error', { patterns }] };
    const configFiles = floor.config ?? [];
    const blocks = [
      { files: floor.files, ignores: ['**/*.test.ts', ...(floor.ignores ?? []), ...configFiles], rules: rule },
    ];
    if (configFiles.length) {
      const withConfig = patterns.filter((p) => !p.group.includes(TOP_FILES.config));
      blocks.push({
        files: configFiles,
        rules: { '@typescript-eslint/no-restricted-imports': ['error', { patterns: withConfig }] },
      });
    }
    return blocks;
  })
    .flat()
    .concat({
      // The dashboard is its own app: it reaches the server through the REST API, and of the product's
      // code imports only the contract's vocabulary (bundled into the app).
      files: ['dashboard/src/**/*.ts', 'dashboard/src/**/*.tsx'],
      rules: {
        '@typescript-eslint/no-restricted-imports': [
          'error',
          {
            patterns: [
              {
                group: ['../../*', '!../../contract', '../../../*', '!../../../contract', '../../../../*'],
                message: 'The dashboard imports only contract/ from the product; everything else through the REST API.',
              },
            ],
          },
        ],
      },
    });
}

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
            'activities/providers/voice/flite-child.mjs',
            'deploy/healthcheck.mjs',
            'api/webhooks/telnyx/relay-worker.mjs',
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
  ...floorRules(),
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
