/**
 * Schemathesis (PyPI), pinned and installed into the project's tools folder, run against a
 * running product's /openapi.json with every check: the document must say what the code accepts
 * and answers. Hooks for what a schema cannot say are in hooks.py beside this file.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { pipInstall, pipInstalled } from '../../deploy/pip.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const VERSION = '4.32.5';
const target = path.resolve(here, '..', '..', '.tools', `schemathesis-${VERSION}`);

/** The installed schemathesis folder (installed with pip when missing; throws saying why it cannot be). */
export async function ensureSchemathesis(say: (line: string) => void = () => {}): Promise<string> {
  if (await pipInstalled(target)) return target;
  say(`installing schemathesis ${VERSION} from PyPI into ${target} ...`);
  await pipInstall(target, [`schemathesis==${VERSION}`]);
  return target;
}

/** Run schemathesis against `baseUrl`; resolves with its exit code and output. */
export async function runSchemathesis(
  baseUrl: string,
  token: string,
  o: { maxExamples?: number; seed?: number } = {},
): Promise<{ code: number | null; output: string }> {
  const dir = await ensureSchemathesis();
  const args = [
    path.join(dir, 'bin', 'st'),
    'run',
    `${baseUrl}/openapi.json`,
    '--checks',
    'all',
    '-H',
    `Authorization: Bearer ${token}`,
    '--max-examples',
    String(o.maxExamples ?? 25),
    '--workers',
    '2',
    // The erasure routes wait up to 20 s for their workflow before answering 202 (documented);
    // schemathesis's default 10 s gave up on one while a loaded machine took longer.
    '--request-timeout',
    '30',
    // The coverage phase draws values without the hooks (opaque cursors, real phone numbers).
    '--phases',
    'examples,fuzzing,stateful',
    // Webhooks take only Telnyx-signed bodies; their tests sign real events.
    '--exclude-path-regex',
    '^/webhooks',
    ...(o.seed !== undefined ? ['--seed', String(o.seed)] : []),
  ];
  return new Promise((resolve) => {
    const child = spawn('python3', args, {
      cwd: here,
      env: { ...process.env, PYTHONPATH: `${dir}${path.delimiter}${here}`, SCHEMATHESIS_HOOKS: 'hooks', NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('close', (code) => resolve({ code, output }));
  });
}
