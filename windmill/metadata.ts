/**
 * `npm run windmill:metadata [-- --check]`: Windmill's own CLI (`wmill generate-metadata
 * --schema-only`) writes each script's `.script.yaml` (its arguments as a JSON schema, from `main`)
 * and `wmill-lock.yaml`. The CLI insists on a workspace even for this local step: it asks who we
 * are and which scripts changed remotely, so a loopback stand-in answers those two questions
 * (nobody changed anything) and no Windmill server is needed. Lock files are another matter: the
 * CLI resolves them with a dependency job on a Windmill worker. These scripts import nothing from
 * npm, so their locks are empty files, checked here. `--check` regenerates into a copy and fails
 * when the committed metadata differs.
 */
import { execFile } from 'node:child_process';
import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const here = import.meta.dirname;
const scriptsDir = path.join('f', 'command_center');
const wmill = path.join(here, '..', 'node_modules', '.bin', 'wmill');

/** Run the CLI's metadata generation in `dir` (a Windmill project folder). */
export async function generateMetadata(dir: string): Promise<void> {
  const standIn = createServer((req, res) => {
    req.resume();
    if (req.url?.startsWith('/api/users/whoami')) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ email: 'metadata@localhost', username: 'metadata', is_admin: true, operator: false }));
      return;
    }
    res.writeHead(404, { 'content-type': 'application/json' }).end('{}');
  });
  await new Promise<void>((resolve) => standIn.listen(0, '127.0.0.1', resolve));
  const { port } = standIn.address() as { port: number };
  const home = await mkdtemp(path.join(tmpdir(), 'wmill-home-'));
  try {
    const args = ['generate-metadata', '--yes', '--schema-only', '--base-url', `http://127.0.0.1:${port}`];
    await run(wmill, [...args, '--token', 'local', '--workspace', 'local', '--config-dir', home], {
      cwd: dir,
      env: { ...process.env, HOME: home, NO_COLOR: '1' },
      timeout: 120_000,
    });
  } finally {
    standIn.close();
    await rm(home, { recursive: true, force: true });
  }
  // Dependency-free scripts: an empty lock each (the CLI leaves some out without a worker).
  for (const file of await readdir(path.join(dir, scriptsDir))) {
    if (!file.endsWith('.ts') || file.endsWith('.test.ts')) continue;
    const source = await readFile(path.join(dir, scriptsDir, file), 'utf8');
    const npmImports = [...source.matchAll(/from\s+['"]([^'".][^'"]*)['"]/g)].map((m) => m[1]);
    if (npmImports.length)
      throw new Error(`${file} imports ${npmImports.join(', ')}: its lock needs a Windmill worker`);
    await writeFile(path.join(dir, scriptsDir, file.replace(/\.ts$/, '.script.lock')), '');
  }
}

/** The generated files of a project folder, by relative path. */
async function generated(dir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const file of await readdir(path.join(dir, scriptsDir)))
    if (file.endsWith('.script.yaml') || file.endsWith('.script.lock'))
      out.set(path.join(scriptsDir, file), await readFile(path.join(dir, scriptsDir, file), 'utf8'));
  out.set('wmill-lock.yaml', await readFile(path.join(dir, 'wmill-lock.yaml'), 'utf8').catch(() => ''));
  return out;
}

/** Regenerate into a copy; the files whose committed content differs (empty when up to date). */
export async function staleMetadata(): Promise<string[]> {
  const copy = await mkdtemp(path.join(tmpdir(), 'wmill-check-'));
  try {
    await cp(here, copy, { recursive: true });
    await generateMetadata(copy);
    const [want, have] = [await generated(copy), await generated(here)];
    return [...new Set([...want.keys(), ...have.keys()])].filter((k) => want.get(k) !== have.get(k));
  } finally {
    await rm(copy, { recursive: true, force: true });
  }
}

if (process.argv[1] === import.meta.filename) {
  if (process.argv.includes('--check')) {
    const stale = await staleMetadata();
    if (stale.length) {
      console.error(`Windmill metadata is stale (run npm run windmill:metadata): ${stale.join(', ')}`);
      process.exit(1);
    }
    console.log('Windmill metadata is up to date');
  } else {
    await generateMetadata(here);
    console.log('Windmill metadata regenerated');
  }
}
