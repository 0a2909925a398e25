/** Shared benchmark helpers: timing, percentiles, and a throwaway native PostgreSQL. */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { startNativePostgres, type NativePostgres } from '../deploy/native-postgres.js';
import { freePort } from '../platform/ports.js';

export const say = (s: string) => console.log(`[bench] ${s}`);

export function percentile(sortedMs: number[], p: number): number {
  if (sortedMs.length === 0) return NaN;
  const i = Math.min(sortedMs.length - 1, Math.max(0, Math.ceil((p / 100) * sortedMs.length) - 1));
  return sortedMs[i]!;
}

/** Run `fn` `n` times (after `warmup` runs) and return latency percentiles in ms. */
export async function measure(n: number, fn: (i: number) => Promise<unknown>, warmup = Math.min(20, n)) {
  for (let i = 0; i < warmup; i++) await fn(i);
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await fn(i);
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return {
    n,
    p50: percentile(times, 50),
    p95: percentile(times, 95),
    p99: percentile(times, 99),
    mean: times.reduce((a, b) => a + b, 0) / n,
  };
}

export const fmt = (ms: number) =>
  ms < 1 ? `${(ms * 1000).toFixed(0)} µs` : ms < 1000 ? `${ms.toFixed(2)} ms` : `${(ms / 1000).toFixed(2)} s`;

export function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}
export function argString(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

/** BENCH_POSTGRES_URL when given, else a fresh native PostgreSQL 16 + pgvector from .tools. */
export async function benchPostgres(): Promise<{ url: string; stop: () => Promise<void> }> {
  if (process.env.BENCH_POSTGRES_URL) return { url: process.env.BENCH_POSTGRES_URL, stop: async () => {} };
  say('starting native PostgreSQL 16 + pgvector ...');
  const pg: NativePostgres = await startNativePostgres(await freePort(), say);
  return pg;
}

/**
 * CPU time (ms) of this process and of other processes by pid, read from /proc on Linux; `null`
 * where it cannot be read (another OS, a process that is gone).
 */
export function cpuMs(pids: Record<string, number | undefined>): Record<string, number | null> {
  const out: Record<string, number | null> = {};
  const self = process.cpuUsage();
  out.self = (self.user + self.system) / 1000;
  for (const [name, pid] of Object.entries(pids)) {
    try {
      if (pid === undefined) throw new Error('no pid');
      // Fields 14 and 15 (utime, stime) follow the command name, which may contain spaces.
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      out[name] = ((Number(fields[11]) + Number(fields[12])) * 1000) / clockTicks();
    } catch {
      out[name] = null;
    }
  }
  return out;
}

let ticks: number | undefined;
function clockTicks(): number {
  if (ticks === undefined) {
    try {
      ticks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticks = 100;
    }
  }
  return ticks;
}
