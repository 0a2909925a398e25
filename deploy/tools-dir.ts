/**
 * The project's `.tools/` folder holds programs, not data: whatever a process's umask (the entry
 * points set 0077 for the data they write), every tool is installed readable and its folders
 * enterable by every user, since PostgreSQL runs as `nobody` when the project runs as root.
 */
import { execFile } from 'node:child_process';
import { chmod, mkdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Create `dir` (and the folders above it, up to an existing one) with mode 0755 whatever the umask. */
export async function makeToolFolder(dir: string): Promise<void> {
  const first = await mkdir(dir, { recursive: true });
  if (!first) return;
  // mkdir's mode is filtered by the umask: set each created level explicitly.
  for (let d = dir; d.length >= first.length; d = path.dirname(d)) {
    await chmod(d, 0o755);
    if (d === first) break;
  }
}

/** Give everyone read access to what an install wrote under `dir` (and execute where the owner has it). */
export async function publishTool(dir: string): Promise<void> {
  await run('chmod', ['-R', 'go+rX,go-w', dir]);
  await chmod(path.dirname(dir), 0o755).catch(() => undefined);
}

/**
 * Repair an install made before tools were published (a `.tools` left 0700 by an earlier `npm
 * start`): when `probe` (a file inside `dir`) is not readable by others, publish `dir` again.
 */
export async function repairTool(dir: string, probe: string): Promise<void> {
  const others = async (p: string, bits: number) => ((await stat(p)).mode & bits) === bits;
  const parent = path.dirname(dir);
  if ((await others(parent, 0o005)) && (await others(dir, 0o005)) && (await others(probe, 0o004))) return;
  await publishTool(dir);
}
