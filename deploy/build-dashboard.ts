/**
 * Builds the dashboard (dashboard/ → dashboard/dist) with Vite in a child process. `npm start` calls
 * ensureDashboardBuilt(), which builds only when a source is newer than the build; `npm run build`
 * builds always (`--force`).
 */
import { spawn } from 'node:child_process';
import { readdir, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(import.meta.dirname, '..', 'dashboard');
const built = path.join(root, 'dist', 'index.html');

async function newestSource(dir: string): Promise<number> {
  let newest = 0;
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (entry.name === 'dist' || entry.name === 'node_modules') continue;
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? await newestSource(full) : (await stat(full)).mtimeMs);
  }
  return newest;
}

export async function dashboardIsFresh(): Promise<boolean> {
  const out = await stat(built).catch(() => undefined);
  return out !== undefined && out.mtimeMs >= (await newestSource(root));
}

export async function buildDashboard(say: (line: string) => void): Promise<void> {
  const started = Date.now();
  say('building the dashboard ...');
  const vite = path.join(path.dirname(createRequire(import.meta.url).resolve('vite/package.json')), 'bin', 'vite.js');
  const child = spawn(
    process.execPath,
    [vite, 'build', '--config', path.join(root, 'vite.config.ts'), '--logLevel', 'warn'],
    { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  if (code !== 0)
    throw new Error(
      `the dashboard did not build (vite exited ${code}):\n${output.trim().split('\n').slice(-15).join('\n')}`,
    );
  say(`dashboard built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

export async function ensureDashboardBuilt(say: (line: string) => void): Promise<void> {
  if (!(await dashboardIsFresh())) await buildDashboard(say);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const say = (line: string) => console.log(`[dashboard] ${line}`);
  await (process.argv.includes('--force') ? buildDashboard(say) : ensureDashboardBuilt(say));
}
