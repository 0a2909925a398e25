/**
 * The production topology for benchmarks: `npm run cluster` started fresh as a child process (its
 * own data folder and ports), with the same handles `startEmbeddedStack` gives: the first API's URL,
 * a Temporal client with the cluster's history key, the app's database, the signing key, the
 * Temporal server's pid. `env` reaches every app process (vendor fakes' URLs and keys).
 */
import { spawn } from 'node:child_process';
import { createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { openDatabase } from '../db/client.js';
import { groupMembers, signalGroup } from '../deploy/process-group.js';
import { dataConverterFor, EncryptionCodec, parseCodecKeys } from '../temporal/codec.js';
import { say } from './lib.js';
import { freePortRanges } from '../platform/ports.js';

const repoRoot = path.resolve(import.meta.dirname, '..');

export async function startClusterStack(extraEnv: Record<string, string> = {}) {
  const dataDir = path.join(tmpdir(), `cc-bench-cluster-${process.pid}-${Date.now()}`);
  // Two APIs and two workers take a port and the next one each.
  const [port = 0, metricsPort, pgPort, temporalPgPort, uiPort] = await freePortRanges([2, 2, 1, 1, 1]);
  const env: Record<string, string> = {
    ...extraEnv,
    DATA_DIR: dataDir,
    PORT: String(port),
    METRICS_PORT: String(metricsPort),
    CLUSTER_PG_PORT: String(pgPort),
    CLUSTER_TEMPORAL_PG_PORT: String(temporalPgPort),
    // Temporal keeps its ports in a smallint: this one, the next 10, 300 below and 767 above.
    CLUSTER_TEMPORAL_PORT: String(12_000 + Math.floor(Math.random() * 18_000)),
    TEMPORAL_UI_PORT: String(uiPort),
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    // The benchmarks time calls to their end: runs close as soon as their pipeline is done.
    CALL_STRAGGLER_WINDOW_SECONDS: '0',
  };
  say(`starting npm run cluster (fresh data in ${dataDir}) ...`);
  const cluster = spawn('npm', ['run', '--silent', 'cluster'], {
    cwd: repoRoot,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const stopCluster = async () => {
    if (!signalGroup(cluster.pid!, 'SIGINT')) return;
    // npm exits at once; the group (APIs, workers, servers) finishes stopping after it.
    const until = Date.now() + 120_000;
    while (groupMembers(cluster.pid!).length && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
  };
  process.once('SIGINT', () => {
    void stopCluster().then(() => process.exit(130));
  });
  let out = '';
  cluster.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  cluster.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const deadline = Date.now() + 900_000;
  while (!/\[cluster\] ready in/.test(out)) {
    if (cluster.exitCode !== null || Date.now() > deadline)
      throw new Error(`the cluster did not start:\n${out.slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 500));
  }
  say(out.match(/\[cluster\] ready in [^\n]*/)![0]);
  const temporalAddress = `127.0.0.1:${env.CLUSTER_TEMPORAL_PORT}`;
  const codec = new EncryptionCodec(parseCodecKeys((await readFile(path.join(dataDir, 'codec-keys'), 'utf8')).trim()));
  const connection = await Connection.connect({ address: temporalAddress });
  const client = new Client({ connection, dataConverter: dataConverterFor(codec) });
  const database = await openDatabase({
    url: `postgres://postgres@127.0.0.1:${env.CLUSTER_PG_PORT}/command_center`,
    poolSize: 4,
    migrate: false,
  });
  return {
    env,
    dataDir,
    url: `http://127.0.0.1:${port}`,
    urls: [`http://127.0.0.1:${port}`, `http://127.0.0.1:${port + 1}`],
    temporalAddress,
    temporalPid: Number(await readFile(path.join(dataDir, 'cluster', 'temporal', 'server.pid'), 'utf8')),
    keys: { privateKey: createPrivateKey(await readFile(path.join(dataDir, 'telnyx-dev-key.pem'), 'utf8')) },
    client,
    /** The cluster's payload codec, for workers this process runs beside it. */
    dataConverter: dataConverterFor(codec),
    database,
    async stop() {
      await database.close().catch(() => undefined);
      await connection.close().catch(() => undefined);
      await stopCluster();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** CPU ticks (1/100 s) per kind of process of the topology, read from /proc. */
export async function cpuByKind(dataDir: string): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const pid of await readdir('/proc').catch(() => [] as string[])) {
    if (!/^\d+$/.test(pid)) continue;
    let cmd: string;
    let stat: string;
    try {
      cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
      stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    } catch {
      continue;
    }
    const kind = cmd.includes('api/main.ts')
      ? 'api'
      : cmd.includes('worker/main.ts')
        ? 'worker'
        : cmd.includes('whisper_engine')
          ? 'speech-engine'
          : cmd.includes('temporal-server') && cmd.includes(' start')
            ? 'temporal-server'
            : cmd.includes('postgres') && cmd.includes(path.join(dataDir, 'cluster', 'temporal-postgresql'))
              ? 'temporal-postgresql'
              : cmd.includes('postgres') && cmd.includes(path.join(dataDir, 'cluster', 'postgresql'))
                ? 'postgresql'
                : cmd.startsWith('postgres: ') && / command_center /.test(cmd)
                  ? 'postgresql backends'
                  : cmd.startsWith('postgres: ') && / temporal(_visibility)? /.test(cmd)
                    ? 'temporal-postgresql backends'
                    : cmd.startsWith('postgres: ')
                      ? 'postgres background'
                      : pid === String(process.pid)
                        ? 'bench (load generator)'
                        : undefined;
    if (!kind) continue;
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    out[kind] = (out[kind] ?? 0) + Number(fields[11]) + Number(fields[12]);
  }
  return out;
}
