/**
 * Native PostgreSQL 16 with pgvector for tests and benchmarks, from the `pgserver` wheel on PyPI
 * (installed into .tools/py). As root the server runs as `nobody`, since postgres refuses root.
 */
import { execFile, spawn } from 'node:child_process';
import { access, chmod, chown, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { toolsDir } from './temporal-cli.js';

const run = promisify(execFile);
const PGSERVER_VERSION = '0.1.4';
const pgBin = path.join(toolsDir, 'py', 'pgserver', 'pginstall', 'bin');

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
  if (await exists(path.join(pgBin, 'postgres'))) return pgBin;
  say(`installing pgserver ${PGSERVER_VERSION} (PostgreSQL 16 + pgvector) from PyPI into .tools/py ...`);
  await run(
    'python3',
    [
      '-m',
      'pip',
      'install',
      '--quiet',
      '--disable-pip-version-check',
      '--target',
      path.join(toolsDir, 'py'),
      `pgserver==${PGSERVER_VERSION}`,
    ],
    { timeout: 10 * 60_000 },
  );
  if (!(await exists(path.join(pgBin, 'postgres'))))
    throw new Error(`pgserver installed but ${pgBin}/postgres is missing`);
  return pgBin;
}

export interface NativePostgres {
  url: string;
  stop(): Promise<void>;
}

/** initdb a throwaway cluster and start it on `port`. */
export async function startNativePostgres(port: number, say?: (s: string) => void): Promise<NativePostgres> {
  const bin = await provisionPostgres(say);
  const dir = await mkdtemp(path.join(tmpdir(), 'cc-pg-'));
  const data = path.join(dir, 'data');
  const asRoot = userInfo().uid === 0;
  const asUser = async (cmd: string, args: string[]) => {
    if (!asRoot) return run(cmd, args, { timeout: 120_000 });
    return run('runuser', ['-u', 'nobody', '--', cmd, ...args], { timeout: 120_000 });
  };
  if (asRoot) {
    await chmod(dir, 0o755);
    await chown(dir, 65534, 65534);
  }
  await asUser(path.join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '--auth=trust', '--no-sync', '-E', 'UTF8']);
  const args = [
    '-D',
    data,
    '-p',
    String(port),
    '-k',
    dir,
    '-c',
    'listen_addresses=127.0.0.1',
    '-c',
    'fsync=off',
    '-c',
    'max_connections=200',
    '-c',
    'shared_buffers=256MB',
  ];
  const child = asRoot
    ? spawn('runuser', ['-u', 'nobody', '--', path.join(bin, 'postgres'), ...args], { stdio: 'ignore' })
    : spawn(path.join(bin, 'postgres'), args, { stdio: 'ignore' });
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      await run(path.join(bin, 'pg_isready'), ['-h', '127.0.0.1', '-p', String(port)]);
      break;
    } catch {
      if (child.exitCode !== null || Date.now() > deadline) throw new Error('native PostgreSQL did not start');
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  return {
    url,
    async stop() {
      // runuser does not pass signals on, so stop the server through pg_ctl as its own user.
      await asUser(path.join(bin, 'pg_ctl'), ['stop', '-D', data, '-m', 'fast', '-w']).catch(() => undefined);
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
      await rm(dir, { recursive: true, force: true });
    },
  };
}
