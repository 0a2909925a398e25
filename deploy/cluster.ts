/**
 * `npm run cluster`: the production topology on this machine, as child processes with their data
 * under DATA_DIR/cluster: the real Temporal server (built from go.temporal.io/server) on Debian's
 * PostgreSQL, its Web UI, the product's PostgreSQL with pgvector, and two API processes plus two
 * workers started exactly as production starts them (`npm run api`, `npm run worker`).
 *
 * An app process that exits is started again (as a container orchestrator would), so one can be
 * killed or restarted by hand; their process group ids are kept in DATA_DIR/cluster/processes.json.
 * Ctrl-C stops the APIs, drains the workers, then stops Temporal and the databases. A restart
 * keeps every database.
 */
import { randomBytes } from 'node:crypto';
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, type WriteStream } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import { loadConfigOrExit } from '../config.js';
import { ensureSpeechEngine } from '../activities/providers/speech/engine-install.js';
import { bundleIsFresh, defaultBundlePath } from '../worker/worker.js';
import { ensureDashboardBuilt } from './build-dashboard.js';
import { devTelnyxKeyPair, embeddedApiToken, embeddedCodecKeys } from './dev-secrets.js';
import {
  letServersThrough,
  provisionDebianPostgres,
  provisionPostgres,
  startPostgres,
  type NativePostgres,
} from './native-postgres.js';
import { keepNicedSessionsBehind } from './cpu-priority.js';
import { groupMembers, niced, signalGroup, stopGroup } from './process-group.js';
import { provisionTemporalServer, startTemporalServer, type RunningTemporal } from './temporal-server.js';
import { appProcessEnv, appServices, type AppServiceName, type SharedAppEnv } from './topology.js';
import { assertPortFree, PortInUseError } from '../platform/ports.js';

const say = (line: string) => console.log(`[cluster] ${line}`);
const repoRoot = path.resolve(import.meta.dirname, '..');

interface AppProcess {
  name: AppServiceName;
  env: Record<string, string>;
  child?: ChildProcess;
  restarts: number;
  stopping: boolean;
}

async function main() {
  const started = Date.now();
  process.umask(0o077);
  // A closed terminal or pipe must not end the supervisor (it would leave its processes running):
  // lines that cannot be printed are still in each process's log file.
  for (const stream of [process.stdout, process.stderr]) stream.on('error', () => undefined);
  // The one configuration, read once (its `cluster` section holds this topology's own ports).
  const config = loadConfigOrExit('cluster');
  const dataDir = config.dataDir;
  const clusterDir = path.join(dataDir, 'cluster');
  const ports = {
    api: [config.http.port, config.http.port + 1],
    metrics: [config.metrics.port, config.metrics.port + 1],
    postgresql: config.cluster.ports.postgresql,
    temporalPostgresql: config.cluster.ports.temporalPostgresql,
    temporal: config.cluster.ports.temporal,
    temporalMetrics: config.cluster.ports.temporal + 767,
    ui: config.temporal.uiPort,
  };
  // App processes left by a supervisor that was killed hard (SIGKILL) are stopped before anything starts.
  await stopLeftovers(path.join(clusterDir, 'processes.json'));
  for (const [what, port] of [
    ['API', ports.api[0]!],
    ['API', ports.api[1]!],
    ['worker metrics', ports.metrics[0]!],
    ['worker metrics', ports.metrics[1]!],
    ['PostgreSQL', ports.postgresql],
    ['Temporal PostgreSQL', ports.temporalPostgresql],
    ['Temporal gRPC', ports.temporal],
    ['Temporal metrics', ports.temporalMetrics],
    ['Temporal UI', ports.ui],
  ] as const)
    await assertPortFree(port, what);

  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  // The PostgreSQL servers run as `nobody` when this runs as root: let them reach their folders.
  await letServersThrough(dataDir, clusterDir);
  const logsDir = path.join(clusterDir, 'logs');
  await mkdir(logsDir, { recursive: true });

  // Keys: the same files `npm start` uses (so `npm run simulate` signs for both), unless given.
  const token = config.apiTokens[0] ?? (await embeddedApiToken(dataDir)).value;
  const telnyxPublicKey = config.telnyx.publicKey ?? (await devTelnyxKeyPair(dataDir)).publicKeyBase64;
  const codecKeys = config.temporal.codecKeys ?? (await embeddedCodecKeys(dataDir)).value;

  say('provisioning (first run only: builds and installs into .tools) ...');
  const [appPgBin, temporalPgBin, temporalTools] = await Promise.all([
    provisionPostgres(say),
    provisionDebianPostgres(say),
    provisionTemporalServer(say),
  ]);
  if (!config.deepgram.apiKey) await ensureSpeechEngine(say);
  await ensureDashboardBuilt(say);
  if (!(existsSync(defaultBundlePath) && (await bundleIsFresh(defaultBundlePath)))) {
    say('building the workflow bundle ...');
    await runQuietly('npx', ['tsx', 'worker/bundle.ts']);
  }

  // What runs niced (Temporal, its PostgreSQL, the workers, the relays' and workers' database
  // connections) leads sessions of its own; where the kernel shares the CPU between sessions first
  // (autogroups), a nice only counts once its session's weight follows it (deploy/cpu-priority.ts).
  const priorities = keepNicedSessionsBehind();
  const stack: { name: string; stop(): Promise<void> }[] = [
    { name: 'cpu priorities', stop: async () => priorities.stop() },
  ];
  const stopStack = async () => {
    for (const part of stack.reverse()) {
      await part.stop().catch((err: Error) => say(`${part.name} did not stop cleanly: ${err.message}`));
    }
  };
  let apps: AppProcess[] = [];
  try {
    say(
      `starting PostgreSQL with pgvector on ${ports.postgresql} and Temporal's PostgreSQL on ${ports.temporalPostgresql} ...`,
    );
    const [appPg, temporalPg] = await Promise.all([
      startPostgres({ bin: appPgBin, dataDir: path.join(clusterDir, 'postgresql'), port: ports.postgresql }),
      startPostgres({
        bin: temporalPgBin,
        dataDir: path.join(clusterDir, 'temporal-postgresql'),
        port: ports.temporalPostgresql,
        settings: config.cluster.temporal.postgresSettings,
        niceness: config.cluster.backgroundNiceness,
      }),
    ]);
    stack.push({ name: 'postgresql', stop: appPg.stop }, { name: 'temporal-postgresql', stop: temporalPg.stop });
    const databaseUrl = await ensureDatabase(appPg, 'command_center');

    // The Temporal UI decodes through a path only it is given (made at each start).
    const uiCodecSecret = config.temporal.uiCodecSecret ?? randomBytes(24).toString('hex');
    const temporal: RunningTemporal = await startTemporalServer({
      tools: temporalTools,
      dir: path.join(clusterDir, 'temporal'),
      pgPort: ports.temporalPostgresql,
      ports: { frontend: ports.temporal, metrics: ports.temporalMetrics, ui: ports.ui },
      namespace: config.temporal.namespace,
      codecEndpoint: `http://localhost:${ports.api[0]}/codec/ui/${uiCodecSecret}`,
      tuning: config.cluster.temporal,
      niceness: config.cluster.backgroundNiceness,
      say,
    });
    stack.push({ name: 'temporal', stop: temporal.stop });

    const shared: SharedAppEnv = {
      DATA_DIR: path.join(clusterDir, 'app'),
      DATABASE_URL: databaseUrl,
      TEMPORAL_ADDRESS: temporal.address,
      TEMPORAL_NAMESPACE: config.temporal.namespace,
      TEMPORAL_TASK_QUEUE: config.temporal.taskQueue,
      TEMPORAL_CODEC_KEYS: codecKeys,
      TEMPORAL_UI_URL: temporal.uiUrl ?? '',
      TEMPORAL_UI_CODEC_SECRET: uiCodecSecret,
      API_TOKENS: config.apiTokens.length ? config.apiTokens.join(',') : token,
      TELNYX_PUBLIC_KEY: telnyxPublicKey,
      PUBLIC_BASE_URL: config.http.publicBaseUrl,
      // Telnyx's hosts, and this machine for the simulator's recordings.
      RECORDING_HOSTS: config.recordings.allowedHosts.join(','),
      LOG_LEVEL: config.logLevel,
      METRICS_HOST: config.metrics.host,
    };
    apps = (Object.keys(appServices) as AppServiceName[]).map((name) => ({
      name,
      env: appProcessEnv(name, shared, {
        host: config.http.host,
        apiPort: ports.api[0]!,
        metricsPort: ports.metrics[0]!,
      }),
      restarts: 0,
      stopping: false,
    }));
    const logs = new Map<AppServiceName, WriteStream>();
    const pidFile = path.join(clusterDir, 'processes.json');
    const writePids = () =>
      writeFile(pidFile, JSON.stringify(Object.fromEntries(apps.map((a) => [a.name, a.child?.pid ?? null])), null, 2));
    const launch = (app: AppProcess) => {
      const spec = appServices[app.name];
      // Workers run what can wait (the pipelines); the APIs answer webhooks.
      const niceness = app.name.startsWith('worker') ? config.cluster.backgroundNiceness : 0;
      const child = spawn(...niced(niceness, 'npm', ['run', '--silent', spec.command]), {
        cwd: repoRoot,
        env: {
          // The app's PostgreSQL runs here too: what can wait waits inside it as well (config.ts).
          DATABASE_BACKENDS_FOLLOW_NICE: 'true',
          ...process.env,
          ...app.env,
          NODE_OPTIONS: '',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: true, // its own process group: a signal reaches npm, sh and node alike
      });
      app.child = child;
      let log = logs.get(app.name);
      if (!log) logs.set(app.name, (log = createWriteStream(path.join(logsDir, `${app.name}.log`), { flags: 'a' })));
      const prefix = `[${app.name}] `;
      let partial = '';
      const onData = (d: Buffer) => {
        log!.write(d);
        const lines = (partial + d.toString()).split('\n');
        partial = lines.pop() ?? '';
        for (const line of lines) if (line.trim()) process.stdout.write(`${prefix}${line}\n`);
      };
      child.stdout!.on('data', onData);
      child.stderr!.on('data', onData);
      child.once('exit', (code, signal) => {
        if (app.stopping) return;
        app.restarts++;
        const delay = Math.min(10_000, 500 * 2 ** Math.min(app.restarts - 1, 5));
        say(`${app.name} exited (${signal ?? `code ${code}`}); starting it again in ${delay} ms`);
        setTimeout(() => {
          if (app.stopping) return;
          launch(app);
          void writePids();
        }, delay).unref();
      });
    };
    say('starting 2 API processes and 2 workers (npm run api, npm run worker) ...');
    for (const app of apps) launch(app);
    await writePids();
    await Promise.all(ports.api.map((port) => waitReady(port)));

    say(`ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    say(
      `API:          http://localhost:${ports.api[0]} and http://localhost:${ports.api[1]} (dashboard, /docs, /metrics)`,
    );
    say(`Temporal UI:  ${temporal.uiUrl ?? '(not built: see above)'}`);
    say(`Temporal:     ${temporal.address} (server metrics ${temporal.metricsUrl})`);
    say(
      `Metrics:      worker-1 http://127.0.0.1:${ports.metrics[0]}/metrics, worker-2 http://127.0.0.1:${ports.metrics[1]}/metrics (token required)`,
    );
    say(
      `PostgreSQL:   ${databaseUrl.replace(/\/\/[^@]*@/, '//')} (app), 127.0.0.1:${ports.temporalPostgresql} (Temporal)`,
    );
    say(
      `API token:    ${token}${config.apiTokens.length ? ' (from API_TOKENS)' : ` (kept in ${path.join(dataDir, 'api-token')})`}`,
    );
    say(`Logs:         ${logsDir}`);
    say(
      `Try:          npm run simulate -- --calls 6 --target http://localhost:${ports.api[0]},http://localhost:${ports.api[1]}`,
    );
    say('Ctrl-C stops everything cleanly.');

    let stopping = 0;
    const shutdown = async (signal: string) => {
      if (stopping) {
        if (Date.now() - stopping < 1000) return;
        say(`${signal} again: stopping now`);
        for (const app of apps) if (app.child?.pid) signalGroup(app.child.pid, 'SIGKILL');
        await stopStack();
        process.exit(130);
      }
      stopping = Date.now();
      say(`${signal}: stopping the APIs, draining the workers ...`);
      for (const app of apps) app.stopping = true;
      // APIs first (no new work), then the workers finish or hand back what they run.
      const phase = async (names: string, members: AppProcess[], graceMs: number) => {
        const t0 = Date.now();
        const ends = await Promise.all(members.map(async (a) => ({ a, end: await stopApp(a, graceMs) })));
        for (const { a, end } of ends) {
          if (end.killed) say(`${a.name} did not stop within ${graceMs / 1000} s: killed`);
          if (end.left.length)
            say(`${a.name} left ${end.left.map((m) => `${m.command} (${m.pid}, ${m.state})`).join(', ')}`);
        }
        say(`${names} stopped in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
      };
      await phase(
        'APIs',
        apps.filter((a) => a.name.startsWith('api')),
        20_000,
      );
      await phase(
        'workers',
        apps.filter((a) => a.name.startsWith('worker')),
        60_000,
      );
      const t0 = Date.now();
      await stopStack();
      say(`Temporal and PostgreSQL stopped in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
      say('stopped.');
      process.exit(0);
    };
    process.on('SIGINT', () => void shutdown('SIGINT'));
    process.on('SIGTERM', () => void shutdown('SIGTERM'));
  } catch (err) {
    for (const app of apps) {
      app.stopping = true;
      if (app.child?.pid) signalGroup(app.child.pid, 'SIGKILL');
    }
    await stopStack();
    throw err;
  }
}

/** Stop the app process groups an earlier supervisor (killed hard) left running. */
async function stopLeftovers(file: string): Promise<void> {
  let groups: Record<string, number | null>;
  try {
    groups = JSON.parse(await readFile(file, 'utf8')) as Record<string, number | null>;
  } catch {
    return;
  }
  // A group id can be reused (pids wrap): only a group of npm, sh or node processes is ours.
  const alive = Object.entries(groups).filter(
    (entry): entry is [string, number] =>
      !!entry[1] && groupMembers(entry[1]).some((m) => /^(npm|node|tsx|sh)/.test(m.command)),
  );
  if (!alive.length) return;
  say(`stopping ${alive.map(([name]) => name).join(', ')} left running by an earlier run ...`);
  await Promise.all(alive.map(([, pid]) => stopGroup(pid, 30_000)));
}

/** Run a build step; its output is shown only when it fails. */
function runQuietly(cmd: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out = (out + d.toString()).slice(-4000)));
    child.stderr!.on('data', (d: Buffer) => (out = (out + d.toString()).slice(-4000)));
    child.once('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`${cmd} ${args.join(' ')} failed:\n${out}`)),
    );
  });
}

/** The product's database on the pgvector server (created on first start). */
async function ensureDatabase(server: NativePostgres, name: string): Promise<string> {
  const client = new pg.Client({ connectionString: server.url });
  await client.connect();
  try {
    const { rowCount } = await client.query('select 1 from pg_database where datname = $1', [name]);
    if (!rowCount) await client.query(`create database ${name}`);
  } finally {
    await client.end();
  }
  return server.url.replace(/\/postgres$/, `/${name}`);
}

async function waitReady(port: number, timeoutMs = 300_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/ready`);
      const text = await res.text();
      last = `${res.status} ${text.slice(0, 300)}`;
      // Every part, the workers included: a `degraded` API takes webhooks but nothing processes them yet.
      if (res.status === 200 && (JSON.parse(text) as { status?: string }).status === 'ready') return;
    } catch (err) {
      last = (err as Error).message;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`the API on port ${port} was not ready within ${timeoutMs / 1000} s (last answer: ${last})`);
}

/** Stop an app's process group (npm, sh, node and what node spawned). */
function stopApp(app: AppProcess, graceMs: number) {
  return app.child?.pid ? stopGroup(app.child.pid, graceMs) : Promise.resolve({ ms: 0, killed: false, left: [] });
}

main().catch((err: Error) => {
  console.error(
    `[cluster] could not start: ${err instanceof PortInUseError ? err.message : (err.stack ?? err.message)}`,
  );
  process.exit(1);
});
