/**
 * The Docker Compose CLI, to validate deploy/compose.yaml (`config`) where no Docker is installed:
 * `docker compose` when the machine has it, else Compose v2 built once from the Go module proxy
 * into .tools (pinned; a couple of minutes).
 */
import { execFile } from 'node:child_process';
import { access, cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { toolsDir } from './temporal-cli.js';
import { makeToolFolder, publishTool } from './tools-dir.js';

const run = promisify(execFile);
export const COMPOSE_VERSION = '2.40.3';
const built = path.join(toolsDir, `docker-compose-${COMPOSE_VERSION}`, 'docker-compose');

/** A command that runs Compose: [file, ...leading args]. */
export async function provisionComposeCli(say: (s: string) => void = () => {}): Promise<string[]> {
  try {
    await run('docker', ['compose', 'version'], { timeout: 20_000 });
    return ['docker', 'compose'];
  } catch {
    // no Docker CLI, or no compose plugin
  }
  try {
    await access(built);
    return [built];
  } catch {
    // build it below
  }
  say(`building Docker Compose ${COMPOSE_VERSION} from the Go module proxy into .tools (once) ...`);
  const env = { ...process.env, GOTOOLCHAIN: 'auto', GOFLAGS: '-modcacherw' };
  const module = `github.com/docker/compose/v2@v${COMPOSE_VERSION}`;
  const { stdout } = await run('go', ['mod', 'download', '-json', module], { env, timeout: 10 * 60_000 });
  const dir = (JSON.parse(stdout) as { Dir?: string }).Dir;
  if (!dir) throw new Error(`go mod download ${module} did not report its folder`);
  // Built inside its own module (its go.mod's replace directives apply there, not under go install).
  const work = await mkdtemp(path.join(tmpdir(), 'compose-src-'));
  try {
    await cp(dir, work, { recursive: true });
    await run('chmod', ['-R', 'u+w', work]);
    await makeToolFolder(path.dirname(built));
    await run('go', ['build', '-o', built, './cmd'], { cwd: work, env, timeout: 20 * 60_000 });
    await publishTool(path.dirname(built));
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  say(`Docker Compose built: ${built}`);
  return [built];
}
