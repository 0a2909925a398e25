/**
 * The product as its user starts it: `npm start` (or `npm run api` / `npm run worker`) as a child
 * process from the repository root, with its own data folder and ports, driven only from outside:
 * signed webhooks, the REST API, and the Temporal API.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createPrivateKey, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { signTelnyx } from '../activities/providers/telephony/fake.js';
import { groupMembers } from '../deploy/process-group.js';
import { scratchPath } from './scratch.js';
import { freePort } from '../platform/ports.js';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export interface ProductProcess {
  child: ChildProcess;
  /** Everything it printed so far (stdout and stderr). */
  output(): string;
  /** Resolves when a line matching `re` has been printed; rejects if the process exits first. */
  waitFor(re: RegExp, timeoutMs?: number): Promise<string>;
  exited: Promise<number | null>;
  /** Send a signal and wait for the exit code. */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<number | null>;
}

/** Run `npm run <script> [-- args]` from the repository root. */
export function npmRun(script: string, env: Record<string, string>, args: string[] = []): ProductProcess {
  const child = spawn('npm', ['run', '--silent', script, ...(args.length ? ['--', ...args] : [])], {
    cwd: repoRoot,
    env: { ...process.env, ...env, NODE_OPTIONS: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true, // its own process group, like a terminal session: signals reach npm and node
  });
  let out = '';
  const listeners = new Set<() => void>();
  const onData = (d: Buffer) => {
    out += d.toString();
    for (const l of listeners) l();
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? (signal ? 128 : null))),
  );
  let done = false;
  void exited.then(() => {
    done = true;
    for (const l of listeners) l();
  });
  return {
    child,
    output: () => out,
    exited,
    waitFor(re, timeoutMs = 240_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () =>
            finish(new Error(`timed out waiting for ${re} in the output of npm run ${script}:\n${out.slice(-3000)}`)),
          timeoutMs,
        );
        const check = () => {
          const m = re.exec(out);
          if (m) finish(undefined, m[0]);
          else if (done) finish(new Error(`npm run ${script} exited before printing ${re}:\n${out.slice(-3000)}`));
        };
        const finish = (err?: Error, line?: string) => {
          clearTimeout(timer);
          listeners.delete(check);
          if (err) reject(err);
          else resolve(line!);
        };
        listeners.add(check);
        check();
      });
    },
    async stop(signal = 'SIGINT', timeoutMs = 60_000) {
      if (done) return exited;
      // A terminal's Ctrl-C goes to the whole foreground process group.
      try {
        process.kill(-child.pid!, signal);
      } catch {
        // already gone
      }
      const timer = setTimeout(() => {
        try {
          process.kill(-child.pid!, 'SIGKILL');
        } catch {
          // already gone
        }
      }, timeoutMs);
      const code = await exited;
      // npm may exit before the product has finished stopping: wait for the whole group.
      while (groupMembers(child.pid!).length) await new Promise((r) => setTimeout(r, 100));
      clearTimeout(timer);
      return code;
    },
  };
}

export interface Embedded {
  proc: ProductProcess;
  url: string;
  dataDir: string;
  env: Record<string, string>;
  token: string;
  key: KeyObject;
}

/** Ports and a fresh data folder for one embedded instance. */
export async function embeddedEnv(): Promise<Record<string, string>> {
  return {
    DATA_DIR: scratchPath('acceptance'),
    PORT: String(await freePort()),
    TEMPORAL_DEV_PORT: String(await freePort()),
    TEMPORAL_UI_PORT: String(await freePort()),
    METRICS_PORT: String(await freePort()),
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
  };
}

/** `npm start` with `env`, resolved once it printed "ready" and its engine checks. */
export async function startEmbedded(env: Record<string, string>): Promise<Embedded> {
  const proc = npmRun('start', env);
  await proc.waitFor(/dataFolder:\s+\S+/);
  const dataDir = env.DATA_DIR!;
  const token = (await readFile(path.join(dataDir, 'api-token'), 'utf8')).trim();
  const key = createPrivateKey(await readFile(path.join(dataDir, 'telnyx-dev-key.pem'), 'utf8'));
  return { proc, url: `http://127.0.0.1:${env.PORT}`, dataDir, env, token, key };
}

/** JSON from the API under test: read freely, checked by the tests' assertions. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type ApiJson = any;

/** A small client of the product's public surface. */
export function client(url: string, token: string, key?: KeyObject) {
  const request = async (method: string, p: string, body?: unknown) => {
    const res = await fetch(`${url}${p}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
    const json = (await res.json().catch(() => null)) as {
      data: ApiJson;
      pagination?: { nextCursor: string | null };
      message?: string;
    } | null;
    return { status: res.status, json };
  };
  return {
    request,
    async get(p: string) {
      const r = await request('GET', p);
      if (r.status !== 200) throw new Error(`GET ${p}: HTTP ${r.status} ${JSON.stringify(r.json).slice(0, 300)}`);
      return r.json!.data;
    },
    async all(p: string): Promise<ApiJson[]> {
      const out: ApiJson[] = [];
      let cursor: string | null = null;
      do {
        const r = await request(
          'GET',
          `${p}${p.includes('?') ? '&' : '?'}limit=200${cursor ? `&cursor=${cursor}` : ''}`,
        );
        if (r.status !== 200) throw new Error(`GET ${p}: HTTP ${r.status}`);
        out.push(...r.json!.data);
        cursor = r.json!.pagination?.nextCursor ?? null;
      } while (cursor);
      return out;
    },
    /** POST a Telnyx event signed as Telnyx signs it; the HTTP status. */
    async webhook(route: string, event: unknown): Promise<number> {
      const text = JSON.stringify(event);
      const res = await fetch(`${url}${route}`, {
        method: 'POST',
        body: text,
        headers: { 'content-type': 'application/json', ...signTelnyx(key!, text) },
      });
      await res.arrayBuffer();
      return res.status;
    },
  };
}

/** Poll `fn` until it returns a truthy value (or time runs out, returning the last value). */
export async function eventually<T>(fn: () => Promise<T>, timeoutMs = 180_000, everyMs = 1000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v || Date.now() > deadline) return v;
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
