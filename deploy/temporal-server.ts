/**
 * The real Temporal server (and its Web UI) for `npm run cluster`: built once from the Go module
 * proxy into .tools (pinned versions), its PostgreSQL schemas set up with the server's own SQL tool,
 * then started as child processes with their configuration and logs under the data folder.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { niced } from './process-group.js';
import { createWriteStream } from 'node:fs';
import { access, cp, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { Connection } from '@temporalio/client';
import { searchAttributes } from '../temporal.config.js';
import { toolsDir } from './temporal-cli.js';
import { makeToolFolder, publishTool } from './tools-dir.js';

const run = promisify(execFile);
export const TEMPORAL_SERVER_VERSION = '1.32.2';
export const TEMPORAL_UI_VERSION = '2.56.4';
/**
 * The server's tuning (`CLUSTER_TEMPORAL_*`, measured in bench/README.md). History shards are fixed
 * for the life of a cluster: Temporal cannot change them on an existing database.
 */
export interface TemporalTuning {
  /** A new cluster's history shards (default `NEW_CLUSTER_SHARDS`); an existing one keeps its own. */
  historyShards?: number;
  /** `history.shardIOConcurrency`: persistence operations in flight per shard. */
  shardIOConcurrency: number;
  /** The default store's pool (`maxConns` = `maxIdleConns`). */
  maxConns: number;
  sqlPlugin: 'postgres12' | 'postgres12_pgx';
}

/**
 * History shards of a new cluster. 16 helped the server alone at 50 starts/s (p99 86 and 94 ms
 * against 170-231 ms) but, beside the workers on two cores, its 200/s floor fell from 185 to 131
 * starts/s with 8,081 of 12,000 past their deadline (bench/README.md, "Tuning the Temporal server
 * alone"), so 4 stays.
 */
export const NEW_CLUSTER_SHARDS = 4;

export const DEFAULT_TUNING: TemporalTuning = {
  shardIOConcurrency: 1,
  maxConns: 20,
  sqlPlugin: 'postgres12',
};

const serverHome = path.join(toolsDir, `temporal-server-${TEMPORAL_SERVER_VERSION}`);
const uiHome = path.join(toolsDir, `temporal-ui-${TEMPORAL_UI_VERSION}`);

async function exists(p: string) {
  try {
    await access(p);
    return true;
  } catch {
    return false;
  }
}

/** `go install` with its progress lines passed to `say`; one clear sentence when Go is missing. */
async function goInstall(gobin: string, packages: string[], say: (s: string) => void): Promise<void> {
  await makeToolFolder(gobin);
  await new Promise<void>((resolve, reject) => {
    const child = spawn('go', ['install', ...packages], {
      // The server needs a newer Go than the machine may have: the go command fetches it from the proxy.
      env: { ...process.env, GOTOOLCHAIN: 'auto', GOBIN: gobin, GOFLAGS: '-modcacherw' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let tail = '';
    let downloads = 0;
    const onLine = (d: Buffer) => {
      for (const line of d.toString().split('\n').filter(Boolean)) {
        tail = `${tail}\n${line}`.slice(-2000);
        if (line.startsWith('go: downloading')) {
          downloads++;
          if (downloads % 40 === 1) say(`  ${downloads} modules downloaded ...`);
        } else if (!/^\s/.test(line)) say(`  ${line}`);
      }
    };
    child.stdout!.on('data', onLine);
    child.stderr!.on('data', onLine);
    child.once('error', (err) =>
      reject(
        (err as NodeJS.ErrnoException).code === 'ENOENT'
          ? new Error('Building the Temporal server needs Go (https://go.dev/dl, or apt-get install golang)')
          : err,
      ),
    );
    child.once('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`go install ${packages.join(' ')} failed:${tail}`)),
    );
  });
}

export interface TemporalServerTools {
  server: string;
  sqlTool: string;
  /** The server module's schema/postgresql/v12 folder (copied next to the binaries). */
  schemaDir: string;
  ui?: string;
}

/** Build the server, its SQL tool and the UI server once into .tools; later calls return at once. */
export async function provisionTemporalServer(say: (s: string) => void = () => {}): Promise<TemporalServerTools> {
  const bin = path.join(serverHome, 'bin');
  const tools: TemporalServerTools = {
    server: path.join(bin, 'server'),
    sqlTool: path.join(bin, 'sql'),
    schemaDir: path.join(serverHome, 'schema', 'postgresql', 'v12'),
  };
  if (!((await exists(tools.server)) && (await exists(tools.sqlTool)) && (await exists(tools.schemaDir)))) {
    const started = Date.now();
    say(
      `building Temporal server ${TEMPORAL_SERVER_VERSION} from the Go module proxy into .tools (once; a few minutes) ...`,
    );
    await goInstall(
      bin,
      [
        `go.temporal.io/server/cmd/server@v${TEMPORAL_SERVER_VERSION}`,
        `go.temporal.io/server/cmd/tools/sql@v${TEMPORAL_SERVER_VERSION}`,
      ],
      say,
    );
    const { stdout } = await run('go', ['env', 'GOMODCACHE'], { env: { ...process.env, GOTOOLCHAIN: 'auto' } });
    const module = path.join(stdout.trim(), `go.temporal.io/server@v${TEMPORAL_SERVER_VERSION}`);
    await cp(path.join(module, 'schema', 'postgresql', 'v12'), tools.schemaDir, { recursive: true });
    await publishTool(serverHome);
    say(`Temporal server built in ${Math.round((Date.now() - started) / 1000)} s`);
  }
  const ui = path.join(uiHome, 'bin', 'server');
  if (!(await exists(ui))) {
    say(`building Temporal UI server ${TEMPORAL_UI_VERSION} into .tools (once) ...`);
    try {
      await goInstall(
        path.join(uiHome, 'bin'),
        [`github.com/temporalio/ui-server/v2/cmd/server@v${TEMPORAL_UI_VERSION}`],
        say,
      );
    } catch (err) {
      say(`the Temporal UI could not be built; the cluster runs without it (${(err as Error).message.slice(0, 300)})`);
      return tools;
    }
    await publishTool(uiHome);
  }
  return { ...tools, ui };
}

export interface TemporalPorts {
  /** Frontend gRPC (what clients and workers dial). */
  frontend: number;
  /** The server's own Prometheus metrics. */
  metrics: number;
  ui?: number;
}

/** The server's other ports, derived from the frontend port (the development config's layout). */
function internalPorts(frontend: number) {
  return {
    frontendHttp: frontend + 10,
    history: frontend + 1,
    matching: frontend + 2,
    worker: frontend + 6,
    membership: { frontend: frontend - 300, history: frontend - 299, matching: frontend - 298, worker: frontend - 294 },
  };
}

/** Create both databases and apply every schema version (idempotent: a set-up database is only updated). */
export async function setupTemporalSchema(tools: TemporalServerTools, pgPort: number): Promise<void> {
  const base = ['--plugin', 'postgres12', '--endpoint', '127.0.0.1', '--port', String(pgPort), '--user', 'postgres'];
  for (const [db, dir] of [
    ['temporal', 'temporal'],
    ['temporal_visibility', 'visibility'],
  ] as const) {
    const sql = (args: string[]) => run(tools.sqlTool, [...base, '--db', db, ...args], { timeout: 120_000 });
    // Quiet: an existing database is not an error on a restart.
    await sql(['--quiet', 'create-database']);
    // Only a database without a schema gets the initial version; update-schema then applies what is missing.
    await sql(['--quiet', 'setup-schema', '-v', '0.0']);
    await sql(['update-schema', '-d', path.join(tools.schemaDir, dir, 'versioned')]);
  }
}

function serverConfig(
  pgPort: number,
  ports: TemporalPorts,
  dynamicConfig: string,
  tuning: TemporalTuning & { historyShards: number },
): string {
  const p = internalPorts(ports.frontend);
  const store = (db: string, maxConns: number) => `
      sql:
        pluginName: "${tuning.sqlPlugin}"
        databaseName: "${db}"
        connectAddr: "127.0.0.1:${pgPort}"
        connectProtocol: "tcp"
        user: "postgres"
        password: ""
        maxConns: ${maxConns}
        maxIdleConns: ${maxConns}
        maxConnLifetime: "1h"`;
  const service = (grpc: number, membership: number, http?: number) => `
    rpc:
      grpcPort: ${grpc}
      membershipPort: ${membership}
      bindOnLocalHost: true${http ? `\n      httpPort: ${http}` : ''}`;
  return `# Written by npm run cluster on every start (edit deploy/temporal-server.ts, not this file).
log:
  stdout: true
  level: warn
persistence:
  defaultStore: default
  visibilityStore: visibility
  numHistoryShards: ${tuning.historyShards}
  datastores:
    default:${store('temporal', tuning.maxConns)}
    visibility:${store('temporal_visibility', 5)}
global:
  membership:
    maxJoinDuration: 30s
    broadcastAddress: "127.0.0.1"
  metrics:
    prometheus:
      framework: "tally"
      timerType: "histogram"
      listenAddress: "127.0.0.1:${ports.metrics}"
services:
  frontend:${service(ports.frontend, p.membership.frontend, p.frontendHttp)}
  history:${service(p.history, p.membership.history)}
  matching:${service(p.matching, p.membership.matching)}
  worker:${service(p.worker, p.membership.worker)}
clusterMetadata:
  enableGlobalNamespace: false
  failoverVersionIncrement: 10
  masterClusterName: "active"
  currentClusterName: "active"
  clusterInformation:
    active:
      enabled: true
      initialFailoverVersion: 1
      rpcName: "frontend"
      rpcAddress: "127.0.0.1:${ports.frontend}"
dcRedirectionPolicy:
  policy: "noop"
dynamicConfigClient:
  filepath: "${dynamicConfig}"
  pollInterval: "10s"
`;
}

/**
 * The server's dynamic config (re-read every 10 s). Right after search attributes are registered,
 * reads refresh the attribute cache so the first calls can use them; that costs a metadata read
 * per request (measured: 35,000 reads in a few minutes of load), so it is switched off again once
 * every cache has refreshed on its own.
 */
const dynamicConfig = (refreshOnRead: boolean, tuning: TemporalTuning) => `# Written by npm run cluster.
system.forceSearchAttributesCacheRefreshOnRead:
  - value: ${refreshOnRead}
history.shardIOConcurrency:
  - value: ${tuning.shardIOConcurrency}
`;
/** Longer than the search-attribute cache's own refresh and the dynamic config's poll together. */
const REFRESH_WINDOW_MS = 90_000;

export interface RunningTemporal {
  address: string;
  uiUrl?: string;
  metricsUrl: string;
  pid?: number;
  stop(): Promise<void>;
}

function stopChild(child: ChildProcess, timeoutMs = 20_000): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/**
 * The shard count a cluster was created with is written beside it and kept: asking an existing
 * cluster for another one is refused with what to do (Temporal itself would fail later, less
 * clearly); a new cluster takes `wanted`, or `NEW_CLUSTER_SHARDS`.
 */
export async function keepShardCount(dir: string, wanted: number | undefined): Promise<number> {
  const file = path.join(dir, 'history-shards');
  const kept = Number((await readFile(file, 'utf8').catch(() => '')).trim());
  if (kept && wanted && kept !== wanted)
    throw new Error(
      `this cluster was created with ${kept} history shards and Temporal cannot change that: ` +
        `set CLUSTER_TEMPORAL_SHARDS=${kept} (or leave it unset), or use a new DATA_DIR for ${wanted}`,
    );
  if (kept) return kept;
  const shards = wanted ?? NEW_CLUSTER_SHARDS;
  await writeFile(file, `${shards}\n`);
  return shards;
}

/**
 * Start the server (all four services in one process) on PostgreSQL at `pgPort`, wait for its
 * frontend, register `namespace` and the project's search attributes, then start the UI.
 */
export async function startTemporalServer(o: {
  tools: TemporalServerTools;
  dir: string;
  pgPort: number;
  ports: TemporalPorts;
  namespace: string;
  /** Where the UI decodes payloads (the API's /codec). */
  codecEndpoint?: string;
  tuning?: TemporalTuning;
  /** CPU priority (nice, 0-19) of the server. */
  niceness?: number;
  say?: (s: string) => void;
}): Promise<RunningTemporal> {
  await mkdir(o.dir, { recursive: true });
  const asked = o.tuning ?? DEFAULT_TUNING;
  const tuning = { ...asked, historyShards: await keepShardCount(o.dir, asked.historyShards) };
  o.say?.(
    `starting the Temporal server (${tuning.historyShards} history shards, ${tuning.shardIOConcurrency} IO lane(s) each, pool ${tuning.maxConns}, ${tuning.sqlPlugin}) on ${o.ports.frontend} ...`,
  );
  const dynamicConfigFile = path.join(o.dir, 'dynamic-config.yaml');
  const configFile = path.join(o.dir, 'config.yaml');
  await writeFile(dynamicConfigFile, dynamicConfig(false, tuning));
  await writeFile(configFile, serverConfig(o.pgPort, o.ports, dynamicConfigFile, tuning));
  await setupTemporalSchema(o.tools, o.pgPort);
  // A server left by a supervisor that was killed hard is stopped first (its pid is kept here).
  const pidFile = path.join(o.dir, 'server.pid');
  await stopLeftover(pidFile, 'temporal-server');
  await stopLeftover(path.join(o.dir, 'ui.pid'), 'temporal-ui');
  const log = createWriteStream(path.join(o.dir, 'server.log'), { flags: 'a' });
  const server = spawn(
    ...niced(o.niceness ?? 0, o.tools.server, ['--config-file', configFile, '--allow-no-auth', 'start']),
    // A session of its own: its priority then weighs against the APIs' (deploy/cpu-priority.ts).
    { stdio: ['ignore', 'pipe', 'pipe'], detached: true },
  );
  server.stdout!.pipe(log);
  server.stderr!.pipe(log);
  if (server.pid) await writeFile(pidFile, String(server.pid));
  const address = `127.0.0.1:${o.ports.frontend}`;
  let ui: ChildProcess | undefined;
  try {
    const connection = await connectWhenUp(address, server, path.join(o.dir, 'server.log'));
    try {
      if (await registerNamespace(connection, o.namespace)) {
        await writeFile(dynamicConfigFile, dynamicConfig(true, tuning));
        setTimeout(
          () => void writeFile(dynamicConfigFile, dynamicConfig(false, tuning)).catch(() => undefined),
          REFRESH_WINDOW_MS,
        ).unref();
        // Until the server has read the file (it polls every 10 s), ask the frontend until it knows them.
        await untilSearchAttributesKnown(connection, o.namespace);
      }
    } finally {
      await connection.close();
    }
    if (o.tools.ui && o.ports.ui)
      ui = await startUi(o.tools.ui, o.dir, address, o.ports.ui, o.namespace, o.codecEndpoint);
  } catch (err) {
    await stopChild(server);
    throw err;
  }
  return {
    address,
    uiUrl: ui ? `http://localhost:${o.ports.ui}` : undefined,
    metricsUrl: `http://127.0.0.1:${o.ports.metrics}/metrics`,
    pid: server.pid,
    async stop() {
      if (ui) await stopChild(ui);
      await stopChild(server);
      log.end();
    },
  };
}

/** Stop the process named in `pidFile` if it is still running and is the one we started (`binary`). */
async function stopLeftover(pidFile: string, binary: string): Promise<void> {
  const pid = Number(await readFile(pidFile, 'utf8').catch(() => ''));
  if (!pid) return;
  try {
    if (!(await readFile(`/proc/${pid}/cmdline`, 'utf8')).includes(binary)) return;
    process.kill(pid, 'SIGTERM');
  } catch {
    return; // gone
  }
  for (let i = 0; i < 200; i++) {
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  process.kill(pid, 'SIGKILL');
}

async function connectWhenUp(address: string, server: ChildProcess, logFile: string): Promise<Connection> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (server.exitCode !== null) throw new Error(`the Temporal server exited during start; see ${logFile}`);
    try {
      const connection = await Connection.connect({ address, connectTimeout: 1000 });
      await connection.workflowService.getSystemInfo({});
      return connection;
    } catch (err) {
      if (Date.now() > deadline)
        throw new Error(`the Temporal server did not answer within 120 s (${(err as Error).message}); see ${logFile}`);
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

const ALREADY_EXISTS = 6;

/** Register the namespace and the project's search attributes; whether any attribute was new. */
async function registerNamespace(connection: Connection, namespace: string): Promise<boolean> {
  try {
    await connection.workflowService.registerNamespace({
      namespace,
      // Closed runs are kept a week for inspection in the UI; the product's database keeps the results.
      workflowExecutionRetentionPeriod: { seconds: (7 * 86_400) as never },
    });
  } catch (err) {
    if ((err as { code?: number }).code !== ALREADY_EXISTS) throw err;
  }
  // The namespace registry refreshes on a timer: wait until the frontend knows the namespace.
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      await connection.workflowService.describeNamespace({ namespace });
      break;
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace });
  const missing = Object.values(searchAttributes).filter((k) => !(k.name in (customAttributes ?? {})));
  if (missing.length) {
    // IndexedValueType: KEYWORD = 2, KEYWORD_LIST = 7.
    await connection.operatorService.addSearchAttributes({
      namespace,
      searchAttributes: Object.fromEntries(missing.map((k) => [k.name, k.type === 'KEYWORD_LIST' ? 7 : 2])),
    });
  }
  return missing.length > 0;
}

/** A visibility query naming every attribute is refused until the frontend's cache has them. */
async function untilSearchAttributesKnown(connection: Connection, namespace: string): Promise<void> {
  const query = Object.values(searchAttributes)
    .map((k) => `${k.name} = 'x'`)
    .join(' AND ');
  const deadline = Date.now() + 120_000;
  for (;;) {
    try {
      await connection.workflowService.countWorkflowExecutions({ namespace, query });
      return;
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
}

async function startUi(
  bin: string,
  dir: string,
  address: string,
  port: number,
  namespace: string,
  codecEndpoint?: string,
): Promise<ChildProcess> {
  const configDir = path.join(dir, 'ui');
  await mkdir(configDir, { recursive: true });
  await writeFile(
    path.join(configDir, 'cluster.yaml'),
    `# Written by npm run cluster.
temporalGrpcAddress: ${address}
host: 127.0.0.1
port: ${port}
enableUi: true
defaultNamespace: ${namespace}
disableNewsFetch: true
notifyOnNewVersion: false
cors:
  allowOrigins: []
codec:
  endpoint: ${codecEndpoint ?? ''}
  includeCredentials: ${codecEndpoint ? 'true' : 'false'}
`,
  );
  const log = createWriteStream(path.join(dir, 'ui.log'), { flags: 'a' });
  const ui = spawn(bin, ['--root', dir, '--config', 'ui', '--env', 'cluster', 'start'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  ui.stdout!.pipe(log);
  ui.stderr!.pipe(log);
  if (ui.pid) await writeFile(path.join(dir, 'ui.pid'), String(ui.pid));
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/`);
      await res.arrayBuffer();
      if (res.ok) return ui;
    } catch {
      // not yet
    }
    if (ui.exitCode !== null || Date.now() > deadline) {
      await stopChild(ui);
      throw new Error(`the Temporal UI did not start; see ${path.join(dir, 'ui.log')}`);
    }
    await new Promise((r) => setTimeout(r, 300));
  }
}
