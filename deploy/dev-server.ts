/** Starts and stops the Temporal CLI dev server as a child process (embedded mode and tests). */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { assertPortFree } from '../platform/ports.js';
import { weighSession } from './cpu-priority.js';
import { niced } from './process-group.js';
import { Connection } from '@temporalio/client';
import { devServerSearchAttributes } from '../temporal.config.js';

export interface DevServerOptions {
  cliPath: string;
  port: number;
  uiPort?: number;
  /** SQLite file; omitted means in-memory. */
  dbFile?: string;
  namespace: string;
  headless?: boolean;
  ip?: string;
  /**
   * Where the server's pid is kept. The server runs in its own process group (a terminal's Ctrl-C
   * reaches only the product, which stops it last); a server left by a process that was killed
   * hard is found by this file and stopped before a new one starts.
   */
  pidFile?: string;
  /** Where the UI decodes payloads (the API's /codec), so the operator reads them in clear. */
  uiCodecEndpoint?: string;
  /**
   * CPU priority (nice, 0-19). With `pidFile` the server leads a session of its own, which is then
   * weighed at the same nice where the kernel shares the CPU between sessions (deploy/cpu-priority.ts).
   */
  niceness?: number;
}

export interface DevServer {
  readonly address: string;
  readonly uiUrl?: string;
  /** The server's process id (benchmarks read its CPU time). */
  readonly pid?: number;
  /** Resolves when the server process exits, by stop() or otherwise. */
  readonly exited: Promise<{ code: number | null; signal: string | null }>;
  stop(): Promise<void>;
}

/** Start the dev server and wait until its frontend answers. */
export async function startDevServer(o: DevServerOptions): Promise<DevServer> {
  const ip = o.ip ?? '127.0.0.1';
  if (o.pidFile) await stopLeftover(o.pidFile);
  await assertPortFree(o.port, 'Temporal gRPC', ip);
  if (!o.headless && o.uiPort) await assertPortFree(o.uiPort, 'Temporal UI', ip);
  const args = [
    'server',
    'start-dev',
    '--ip',
    ip,
    '--port',
    String(o.port),
    '--namespace',
    o.namespace,
    '--log-level',
    'error',
    '--ui-disable-news-fetch',
  ];
  // WAL keeps every commit durable (synchronous stays FULL) with one fsync per commit instead of
  // the rollback journal's several: the embedded server's throughput depends on it.
  if (o.dbFile) args.push('--db-filename', o.dbFile, '--sqlite-pragma', 'journal_mode=wal');
  if (o.headless) args.push('--headless');
  else if (o.uiPort) args.push('--ui-port', String(o.uiPort));
  if (!o.headless && o.uiCodecEndpoint) args.push('--ui-codec-endpoint', o.uiCodecEndpoint);
  for (const sa of devServerSearchAttributes) args.push('--search-attribute', sa);
  const child = spawn(...niced(o.niceness ?? 0, o.cliPath, args), {
    stdio: ['ignore', 'ignore', 'pipe'],
    detached: Boolean(o.pidFile),
  });
  // spawn returns once the child has exec'd: its session exists.
  if (o.pidFile && child.pid && o.niceness) weighSession(child.pid, o.niceness);
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  if (o.pidFile && child.pid) await writeFile(o.pidFile, String(child.pid), { mode: 0o600 });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  const address = `${ip}:${o.port}`;
  try {
    await waitForFrontend(address, child, () => stderr);
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  return {
    address,
    uiUrl: o.headless ? undefined : `http://localhost:${o.uiPort}`,
    pid: child.pid,
    exited,
    stop: async () => {
      await stopChild(child);
      if (o.pidFile) await rm(o.pidFile, { force: true });
    },
  };
}

async function waitForFrontend(address: string, child: ChildProcess, stderr: () => string): Promise<void> {
  const deadline = Date.now() + 90_000;
  let exited = false;
  child.once('exit', () => (exited = true));
  while (Date.now() < deadline) {
    if (exited) throw new Error(`Temporal dev server exited during start: ${stderr().trim().slice(-1000)}`);
    try {
      const conn = await Connection.connect({ address, connectTimeout: 1000 });
      try {
        await conn.workflowService.getSystemInfo({});
        return;
      } finally {
        await conn.close();
      }
    } catch {
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  throw new Error(`Temporal dev server did not answer on ${address} within 90 s`);
}

/** Stop a dev server that an earlier process started and could not stop (it was killed hard). */
async function stopLeftover(pidFile: string): Promise<void> {
  const pid = Number((await readFile(pidFile, 'utf8').catch(() => '')).trim());
  if (!Number.isInteger(pid) || pid <= 0) return;
  const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
  if (cmdline.includes('start-dev')) {
    process.kill(pid, 'SIGTERM');
    for (let i = 0; i < 100 && (await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')); i++)
      await new Promise((r) => setTimeout(r, 100));
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
  await rm(pidFile, { force: true });
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/**
 * A dev server that is restarted when it exits on its own (with backoff, each step reported
 * through `say`), on the same ports and SQLite file, so clients reconnect to the same address.
 */
export async function superviseDevServer(o: DevServerOptions, say: (line: string) => void): Promise<DevServer> {
  let current = await startDevServer(o);
  let stopping = false;
  const watch = (server: DevServer) =>
    void server.exited.then(async ({ code, signal }) => {
      if (stopping) return;
      // A short pause first: a server that dies at once again should not spin.
      let backoffMs = 3000;
      say(`the Temporal dev server exited (${signal ?? `code ${code}`}); restarting it in ${backoffMs / 1000} s ...`);
      while (!stopping) {
        await new Promise((r) => setTimeout(r, backoffMs));
        if (stopping) return;
        try {
          current = await startDevServer(o);
          say('the Temporal dev server is back.');
          watch(current);
          return;
        } catch (err) {
          backoffMs = Math.min(backoffMs * 2, 30_000);
          say(
            `the Temporal dev server did not start (${(err as Error).message.split('\n')[0]!.slice(0, 200)}); next try in ${backoffMs / 1000} s`,
          );
        }
      }
    });
  watch(current);
  return {
    address: current.address,
    uiUrl: current.uiUrl,
    get pid() {
      return current.pid;
    },
    get exited() {
      return current.exited;
    },
    async stop() {
      stopping = true;
      await current.stop();
    },
  };
}
