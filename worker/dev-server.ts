/** Starts and stops the Temporal CLI dev server as a child process (embedded mode and tests). */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
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
}

export interface DevServer {
  readonly address: string;
  readonly uiUrl?: string;
  /** The server's process id (benchmarks read its CPU time). */
  readonly pid?: number;
  stop(): Promise<void>;
}

export class PortInUseError extends Error {
  constructor(readonly port: number, what: string) {
    super(`Port ${port} (${what}) is already in use. Stop what is using it, or set ${what === 'Temporal gRPC' ? 'TEMPORAL_DEV_PORT' : what === 'Temporal UI' ? 'TEMPORAL_UI_PORT' : 'PORT'} to another port.`);
    this.name = 'PortInUseError';
  }
}

/** Resolves when `port` can be bound on `host`; rejects with PortInUseError otherwise. */
export function assertPortFree(port: number, what: string, host = '127.0.0.1'): Promise<void> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', (err: NodeJS.ErrnoException) => reject(err.code === 'EADDRINUSE' ? new PortInUseError(port, what) : err));
    srv.listen(port, host, () => srv.close(() => resolve()));
  });
}

/** Ask the OS for a free TCP port. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

/** Start the dev server and wait until its frontend answers. */
export async function startDevServer(o: DevServerOptions): Promise<DevServer> {
  const ip = o.ip ?? '127.0.0.1';
  await assertPortFree(o.port, 'Temporal gRPC', ip);
  if (!o.headless && o.uiPort) await assertPortFree(o.uiPort, 'Temporal UI', ip);
  const args = ['server', 'start-dev', '--ip', ip, '--port', String(o.port), '--namespace', o.namespace, '--log-level', 'error', '--ui-disable-news-fetch'];
  // WAL keeps every commit durable (synchronous stays FULL) with one fsync per commit instead of
  // the rollback journal's several: the embedded server's throughput depends on it.
  if (o.dbFile) args.push('--db-filename', o.dbFile, '--sqlite-pragma', 'journal_mode=wal');
  if (o.headless) args.push('--headless');
  else if (o.uiPort) args.push('--ui-port', String(o.uiPort));
  for (const sa of devServerSearchAttributes) args.push('--search-attribute', sa);
  const child = spawn(o.cliPath, args, { stdio: ['ignore', 'ignore', 'pipe'], detached: false });
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
    stop: () => stopChild(child),
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
