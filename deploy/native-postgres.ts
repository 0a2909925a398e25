/**
 * Native PostgreSQL servers run by the project as child processes:
 * - PostgreSQL 16 with pgvector from the `pgserver` wheel on PyPI (installed into .tools/): the
 *   product's own database in tests, benchmarks and `npm run cluster`;
 * - Debian's PostgreSQL with contrib (installed with apt when missing and running as root): the
 *   Temporal server's persistence and visibility, whose schema needs `btree_gin`, which the wheel lacks.
 * As root a server runs as `nobody`, since postgres refuses root.
 */
import { execFile, spawn } from 'node:child_process';
import { niced } from './process-group.js';
import { access, chmod, chown, mkdir, mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { pipInstall, pipInstalled } from './pip.js';
import { projectRoot, toolsDir } from './temporal-cli.js';
import { repairTool } from './tools-dir.js';

const run = promisify(execFile);
const PGSERVER_VERSION = '0.1.4';
const pgTarget = path.join(toolsDir, `pgserver-${PGSERVER_VERSION}`);
const pgBin = path.join(pgTarget, 'pgserver', 'pginstall', 'bin');
const NOBODY = 65534;

async function exists(p: string) {
  try {
    await access(p);
    return true;
  } catch {
    return false;
  }
}

/** Make sure the PostgreSQL + pgvector binaries are present; installs the wheel when missing. */
export async function provisionPostgres(say: (s: string) => void = () => {}): Promise<string> {
  if (await pipInstalled(pgTarget)) {
    // An install left unreadable by an earlier version under umask 0077: `nobody` must run it.
    await repairTool(pgTarget, path.join(pgBin, 'initdb'));
    return pgBin;
  }
  say(
    `installing pgserver ${PGSERVER_VERSION} (PostgreSQL 16 + pgvector) from PyPI into ${path.relative(process.cwd(), pgTarget)} ...`,
  );
  await pipInstall(pgTarget, [
    '--require-hashes',
    '-r',
    path.join(projectRoot, 'deploy', 'requirements', 'pgserver.txt'),
  ]);
  if (!(await exists(path.join(pgBin, 'postgres'))))
    throw new Error(`pgserver installed but ${pgBin}/postgres is missing`);
  return pgBin;
}

/** Debian's PostgreSQL binaries of a version whose contrib has btree_gin (Temporal's visibility schema). */
async function debianPostgresWithBtreeGin(): Promise<string | undefined> {
  const versions = await readdir('/usr/lib/postgresql').catch(() => [] as string[]);
  for (const v of versions.sort((a, b) => Number(b) - Number(a))) {
    const bin = `/usr/lib/postgresql/${v}/bin`;
    if (
      (await exists(path.join(bin, 'postgres'))) &&
      (await exists(`/usr/share/postgresql/${v}/extension/btree_gin.control`))
    )
      return bin;
  }
  return undefined;
}

/** Debian's PostgreSQL with contrib; installed with apt when missing (as root), else one clear sentence. */
export async function provisionDebianPostgres(say: (s: string) => void = () => {}): Promise<string> {
  const found = await debianPostgresWithBtreeGin();
  if (found) return found;
  if (userInfo().uid !== 0)
    throw new Error(
      'Temporal on PostgreSQL needs the btree_gin extension: install PostgreSQL with contrib (apt-get install postgresql postgresql-contrib) and run this again.',
    );
  say('installing PostgreSQL with contrib (btree_gin, for Temporal) with apt ...');
  await run('apt-get', ['update', '-q'], { timeout: 10 * 60_000 });
  await run('apt-get', ['install', '-y', '-q', '--no-install-recommends', 'postgresql', 'postgresql-contrib'], {
    timeout: 10 * 60_000,
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  const bin = await debianPostgresWithBtreeGin();
  if (!bin)
    throw new Error('apt installed PostgreSQL, but no version with btree_gin was found under /usr/lib/postgresql');
  return bin;
}

export interface NativePostgres {
  /** postgres://postgres@127.0.0.1:PORT/postgres */
  url: string;
  port: number;
  pid?: number;
  /** Resolves when the server process exits. */
  exited: Promise<void>;
  stop(): Promise<void>;
}

export interface PostgresOptions {
  bin: string;
  /** The cluster's folder (created by initdb when empty; kept across restarts). */
  dataDir: string;
  port: number;
  /** Settings for a throwaway server (fsync off); a kept one is durable. */
  throwaway?: boolean;
  maxConnections?: number;
  /** Extra settings, `name=value` each (measured ones: bench/README.md). */
  settings?: readonly string[];
  /** CPU priority (nice, 0-19) of the server and its backends: 0 unless its work can wait. */
  niceness?: number;
}

/**
 * Start PostgreSQL on loopback with the cluster in `dataDir` (initdb on first use, trust auth on
 * loopback only) and wait until it accepts connections. As root, the cluster belongs to `nobody`,
 * and the folders above it must let `nobody` through.
 */
export async function startPostgres(o: PostgresOptions): Promise<NativePostgres> {
  const asRoot = userInfo().uid === 0;
  const asUser = async (cmd: string, args: string[]) => {
    if (!asRoot) return run(cmd, args, { timeout: 120_000 });
    return run('runuser', ['-u', 'nobody', '--', cmd, ...args], { timeout: 120_000 });
  };
  const socketDir = path.dirname(o.dataDir);
  await mkdir(o.dataDir, { recursive: true, mode: 0o700 });
  if (asRoot) {
    await chown(o.dataDir, NOBODY, NOBODY);
    // `nobody` must reach its binaries and its cluster whatever folder the project was cloned into
    // (a `mktemp -d` parent is 0700).
    await letNobodyTraverse(o.bin);
    await letNobodyTraverse(path.dirname(o.dataDir));
  }
  // A server left running on this cluster (its supervisor killed hard) is stopped first.
  const leftover = Number(
    (await readFile(path.join(o.dataDir, 'postmaster.pid'), 'utf8').catch(() => '')).split('\n')[0],
  );
  if (leftover && (await exists(`/proc/${leftover}`)))
    await asUser(path.join(o.bin, 'pg_ctl'), ['stop', '-D', o.dataDir, '-m', 'fast', '-w']).catch(() => undefined);
  if (!(await exists(path.join(o.dataDir, 'PG_VERSION')))) {
    await asUser(path.join(o.bin, 'initdb'), [
      '-D',
      o.dataDir,
      '-U',
      'postgres',
      '--auth=trust',
      '-E',
      'UTF8',
      ...(o.throwaway ? ['--no-sync'] : []),
    ]);
  }
  const args = [
    '-D',
    o.dataDir,
    '-p',
    String(o.port),
    '-k',
    o.throwaway ? socketDir : '',
    '-c',
    'listen_addresses=127.0.0.1',
    '-c',
    `max_connections=${o.maxConnections ?? 200}`,
    '-c',
    'shared_buffers=256MB',
    ...(o.throwaway ? ['-c', 'fsync=off'] : []),
    ...(o.settings ?? []).flatMap((kv) => ['-c', kv]),
  ];
  const [cmd, cmdArgs] = niced(
    o.niceness ?? 0,
    ...((asRoot
      ? ['runuser', ['-u', 'nobody', '--', path.join(o.bin, 'postgres'), ...args]]
      : [path.join(o.bin, 'postgres'), args]) as [string, string[]]),
  );
  const child = spawn(cmd, cmdArgs, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      await run(path.join(o.bin, 'pg_isready'), ['-h', '127.0.0.1', '-p', String(o.port)]);
      break;
    } catch {
      if (child.exitCode !== null || Date.now() > deadline)
        throw new Error(`PostgreSQL on port ${o.port} did not start: ${stderr.trim().split('\n').slice(-3).join(' ')}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  return {
    url: `postgres://postgres@127.0.0.1:${o.port}/postgres`,
    port: o.port,
    pid: child.pid,
    exited,
    async stop() {
      // runuser does not pass signals on, so stop the server through pg_ctl as its own user.
      await asUser(path.join(o.bin, 'pg_ctl'), ['stop', '-D', o.dataDir, '-m', 'fast', '-w']).catch(() => undefined);
      await new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        const timer = setTimeout(() => {
          child.kill('SIGKILL');
          resolve();
        }, 10_000);
        child.once('exit', () => {
          clearTimeout(timer);
          resolve();
        });
      });
    },
  };
}

/** initdb a throwaway cluster (pgserver: PostgreSQL 16 + pgvector) and start it on `port`. */
export async function startNativePostgres(port: number, say?: (s: string) => void): Promise<NativePostgres> {
  const bin = await provisionPostgres(say);
  const dir = await mkdtemp(path.join(tmpdir(), 'cc-pg-'));
  if (userInfo().uid === 0) {
    await chmod(dir, 0o755);
    await chown(dir, NOBODY, NOBODY);
  }
  const server = await startPostgres({ bin, dataDir: path.join(dir, 'data'), port, throwaway: true });
  return {
    ...server,
    async stop() {
      await server.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Let `nobody` pass through every folder above `target` (and `target` itself) that it could not:
 * adds the search bit for others (o+x) and nothing else, so nothing becomes listable or readable.
 */
async function letNobodyTraverse(target: string): Promise<void> {
  for (let dir = path.resolve(target); ; dir = path.dirname(dir)) {
    const { mode, gid } = await stat(dir);
    const passable = (mode & 0o001) !== 0 || (gid === NOBODY && (mode & 0o010) !== 0);
    if (!passable) await chmod(dir, (mode & 0o7777) | 0o001);
    if (dir === path.dirname(dir)) return;
  }
}

/**
 * Let `nobody` (the PostgreSQL servers' user when we run as root) pass through `dir` and the folders
 * given, without reading them: group `nogroup`, mode 0710. Nothing changes when not root.
 */
export async function letServersThrough(...dirs: string[]): Promise<void> {
  if (userInfo().uid !== 0) return;
  for (const dir of dirs) {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    await chown(dir, 0, NOBODY);
    await chmod(dir, 0o710);
  }
}
