/**
 * The production topology as its operator runs it: `npm run cluster` (the real Temporal server on
 * PostgreSQL, two `npm run api` and two `npm run worker` processes, the app's PostgreSQL with
 * pgvector), driven from outside with `npm run simulate` (signed lifecycles, retried like Telnyx
 * retries), the REST API, /metrics and the Temporal API, while processes are killed and restarted.
 */
import { readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { searchAttributes } from '../temporal.config.js';
import { eventually, npmRun, repoRoot, type ProductProcess } from './product.js';
import { freePortRanges } from '../platform/ports.js';
import { groupMembers } from '../deploy/process-group.js';
import { autogroupNice, autogroupsEnabled } from '../deploy/cpu-priority.js';

type Processes = Record<'api-1' | 'api-2' | 'worker-1' | 'worker-2', number | null>;

describe('npm run cluster: Temporal server on PostgreSQL, 2 APIs and 2 workers', { timeout: 900_000 }, () => {
  let cluster: ProductProcess;
  let env: Record<string, string>;
  let apiPorts: number[];
  let metricsPort: number;
  let token: string;
  const dataDir = path.join(tmpdir(), `cc-cluster-${process.pid}-${Date.now()}`);

  const start = async () => {
    cluster = npmRun('cluster', env);
    await cluster.waitFor(/\[cluster\] ready in/, 840_000);
  };
  const processes = async (): Promise<Processes> =>
    JSON.parse(await readFile(path.join(dataDir, 'cluster', 'processes.json'), 'utf8')) as Processes;
  const simulate = (args: string[]) =>
    npmRun('simulate', { DATA_DIR: dataDir }, [
      ...args,
      '--target',
      apiPorts.map((p) => `http://127.0.0.1:${p}`).join(','),
    ]);
  const get = async (p: string, port = apiPorts[0]) => {
    const res = await fetch(`http://127.0.0.1:${port}${p}`, { headers: { authorization: `Bearer ${token}` } });
    return { status: res.status, text: await res.text() };
  };
  /** How many times `name` has printed its start line ("api listening" / "worker running"). */
  const starts = async (name: keyof Processes) =>
    (await readFile(path.join(dataDir, 'cluster', 'logs', `${name}.log`), 'utf8')).split(
      name.startsWith('api') ? 'api listening' : 'worker running',
    ).length - 1;
  /** Stop `name` with `signal` and wait until the cluster has it running again under a new process group. */
  const bounce = async (name: keyof Processes, signal: NodeJS.Signals) => {
    const pid = (await processes())[name]!;
    const count = await starts(name);
    process.kill(-pid, signal);
    await cluster.waitFor(new RegExp(`${name} exited \\(${signal === 'SIGKILL' ? 'SIGKILL' : '[^)]+'}\\)`), 90_000);
    expect(await eventually(async () => (await starts(name)) > count, 120_000, 250)).toBe(true);
    expect((await processes())[name]).not.toBe(pid);
  };

  beforeAll(async () => {
    // Two APIs and two workers take a port and the next one each.
    const [port, metrics, pgPort, temporalPgPort, uiPort] = await freePortRanges([2, 2, 1, 1, 1]);
    apiPorts = [port!, port! + 1];
    metricsPort = metrics!;
    env = {
      DATA_DIR: dataDir,
      PORT: String(port),
      METRICS_PORT: String(metricsPort),
      CLUSTER_PG_PORT: String(pgPort),
      CLUSTER_TEMPORAL_PG_PORT: String(temporalPgPort),
      // The server takes this port, the next few, 300 below and 767 above (its internal services);
      // Temporal keeps them in a smallint, so they stay under 32768.
      CLUSTER_TEMPORAL_PORT: String(12_000 + Math.floor(Math.random() * 18_000)),
      TEMPORAL_UI_PORT: String(uiPort),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
    };
    await start();
    token = (await readFile(path.join(dataDir, 'api-token'), 'utf8')).trim();
  }, 900_000);

  afterAll(async () => {
    await cluster?.stop('SIGINT', 120_000);
    await rm(dataDir, { recursive: true, force: true });
  });

  it('runs the real Temporal server with 4 shards (a new cluster) and the search attributes, both APIs ready, migrated once', async () => {
    for (const port of apiPorts) {
      const ready = await get('/ready', port);
      expect(ready.status, ready.text).toBe(200);
      expect(JSON.parse(ready.text).checks.worker.status).toBe('ok');
    }
    const connection = await Connection.connect({ address: `127.0.0.1:${env.CLUSTER_TEMPORAL_PORT}` });
    try {
      const info = await connection.workflowService.getClusterInfo({});
      expect(info.historyShardCount).toBe(4);
      expect(info.persistenceStore).toMatch(/postgres/);
      expect(info.visibilityStore).toMatch(/postgres/);
      const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace: 'default' });
      for (const key of Object.values(searchAttributes))
        expect(Object.keys(customAttributes ?? {})).toContain(key.name);
    } finally {
      await connection.close();
    }
    // All four app processes started together against one database: every migration applied exactly once.
    const migrations = (await readdir(path.join(repoRoot, 'db', 'migrations'))).filter((f) => f.endsWith('.sql'));
    const db = new pg.Client({
      connectionString: `postgres://postgres@127.0.0.1:${env.CLUSTER_PG_PORT}/command_center`,
    });
    await db.connect();
    try {
      const { rows } = await db.query(
        'select hash, count(*)::int as n from drizzle.__drizzle_migrations group by hash',
      );
      expect(rows.length).toBe(migrations.length);
      expect(rows.every((r: { n: number }) => r.n === 1)).toBe(true);
    } finally {
      await db.end();
    }
    const out = cluster.output();
    expect(out).toContain(`http://localhost:${apiPorts[0]} and http://localhost:${apiPorts[1]}`);
    expect(out).toMatch(new RegExp(`API token:\\s+${token}`));
    expect(out).toMatch(/Temporal UI:\s+http:\/\/localhost:\d+/);
    const ui = await fetch(`http://127.0.0.1:${env.TEMPORAL_UI_PORT}/api/v1/namespaces`);
    expect(ui.status).toBe(200);
  });

  it('processes lifecycles sent alternately to both APIs exactly once (shuffled, duplicated)', async () => {
    const sim = simulate(['--calls', '6', '--sms', '2', '--duplicates', '0.3', '--shuffle']);
    expect(await sim.exited, sim.output()).toBe(0);
    expect(sim.output()).toContain('every call reached the end state it should have');
    expect(sim.output()).toContain('messages stored 2/2');
  });

  it('finishes the pipelines of a worker SIGKILLed mid-pipeline', async () => {
    const sim = simulate(['--calls', '4']);
    await sim.waitFor(/calls recorded 4\/4, pipelines finished [0-2] /, 240_000);
    await bounce('worker-1', 'SIGKILL');
    expect(await sim.exited, sim.output()).toBe(0);
    expect(sim.output()).toContain('every call reached the end state it should have');
    expect(sim.output()).toMatch(/transcribe\s+done 4/);
  });

  it('loses nothing when an API process is killed while webhooks are retried', async () => {
    const port = apiPorts[0]!;
    // Paced (4 events/s) so the kill lands while webhooks are still arriving.
    const sim = npmRun('simulate', { DATA_DIR: dataDir }, [
      '--calls',
      '4',
      '--rate',
      '4',
      '--target',
      `http://127.0.0.1:${port}`,
    ]);
    await sim.waitFor(/sent [2-9]/, 120_000);
    await bounce('api-1', 'SIGKILL');
    expect(await sim.exited, sim.output()).toBe(0);
    expect(sim.output()).toContain('every call reached the end state it should have');
    // Some deliveries met the dead process and were retried until it was back.
    expect(sim.output()).toMatch(/retried:\d+/);
  });

  it('loses nothing through a rolling restart of the workers under traffic', async () => {
    const sim = simulate(['--calls', '6', '--duplicates', '0.2', '--rate', '2']);
    await sim.waitFor(/sent [1-9]/, 120_000);
    for (const name of ['worker-1', 'worker-2'] as const) await bounce(name, 'SIGTERM');
    expect(await sim.exited, sim.output()).toBe(0);
    expect(sim.output()).toContain('every call reached the end state it should have');
  });

  it('takes every webhook while the Temporal server is frozen for 20 s, and finishes every call once it thaws', async () => {
    const pid = Number((await readFile(path.join(dataDir, 'cluster', 'temporal', 'server.pid'), 'utf8')).trim());
    // Sent once each (no retries): a refused delivery would be a failed call, not a retried one.
    const sim = simulate(['--calls', '16', '--sms', '2', '--duplicates', '0.2', '--rate', '8', '--retry-seconds', '0']);
    await sim.waitFor(/sent [1-9]/, 120_000);
    process.kill(pid, 'SIGSTOP');
    let thawed = false;
    try {
      await new Promise((r) => setTimeout(r, 10_000));
      for (const port of apiPorts) {
        const ready = await get('/ready', port);
        expect(ready.status, ready.text).toBe(200);
        expect(JSON.parse(ready.text)).toMatchObject({
          status: 'degraded',
          checks: { temporal: { status: 'unavailable' } },
        });
      }
      await new Promise((r) => setTimeout(r, 10_000));
      process.kill(pid, 'SIGCONT');
      thawed = true;
    } finally {
      if (!thawed) process.kill(pid, 'SIGCONT');
    }
    expect(await sim.exited, sim.output()).toBe(0);
    expect(sim.output()).toContain('every call reached the end state it should have');
    expect(sim.output()).toContain('messages stored 2/2');
    // Every delivery answered 200 the first time (acks are counted by status).
    expect(sim.output()).not.toMatch(/retried:\d+|\b[45]\d\d:\d+|error\(/);
  });

  it('serves Prometheus metrics that moved with the traffic, only with a token', async () => {
    expect((await fetch(`http://127.0.0.1:${apiPorts[1]}/metrics`)).status).toBe(401);
    const api = (await get('/metrics', apiPorts[1])).text;
    expect(counter(api, 'cc_webhook_events_total', 'outcome="stored"')).toBeGreaterThan(0);
    // This process's relay handed (some of) the inbox to Temporal, and measured how long that took.
    expect(counter(api, 'cc_inbox_relay_deliveries_total', 'outcome="accepted"')).toBeGreaterThan(0);
    expect(api).toMatch(/cc_inbox_relay_lag_seconds_bucket\{/);
    // The relay runs on a thread of its own, 10 (INBOX_RELAY_NICE's default) below the webhooks' thread.
    const node = groupMembers((await processes())['api-2']!).find((m) => m.command === 'node');
    expect(node, 'the api-2 node process').toBeDefined();
    const niceOf = async (tid: string) => {
      const stat = await readFile(`/proc/${node!.pid}/task/${tid}/stat`, 'utf8');
      return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
    };
    const mainNice = await niceOf(String(node!.pid));
    const nices = await Promise.all((await readdir(`/proc/${node!.pid}/task`)).map(niceOf));
    expect(nices).toContain(Math.min(19, mainNice + 10));
    // Their connections' server processes in the app's PostgreSQL run at the same priorities: the
    // webhooks' at the API's, the relay's 10 lower (it polls every second, so its connections are
    // open), the workers' at the background's 19 (theirs may have closed when idle).
    const db = new pg.Client({
      connectionString: `postgres://postgres@127.0.0.1:${env.CLUSTER_PG_PORT}/command_center`,
    });
    await db.connect();
    try {
      const { rows } = await db.query<{ pid: number }>(
        `select pid from pg_stat_activity where datname = 'command_center' and backend_type = 'client backend' and pid <> pg_backend_pid()`,
      );
      const backendNices = new Set<number>();
      for (const { pid } of rows) {
        const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
        if (stat) backendNices.add(Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]));
      }
      expect(backendNices).toContain(Math.min(19, mainNice + 10));
      for (const n of backendNices) expect([mainNice, Math.min(19, mainNice + 10), 19]).toContain(n);
      // Each server process leads a session of its own (PostgreSQL's setsid), as do the workers and
      // the Temporal server: where the kernel shares the CPU between sessions first, each niced
      // session's weight follows its nice (the supervisor checks every 0.5 s), else a nice is moot.
      const temporalServer = Number(
        (await readFile(path.join(dataDir, 'cluster', 'temporal', 'server.pid'), 'utf8')).trim(),
      );
      const workerLeaders = [(await processes())['worker-1']!, (await processes())['worker-2']!];
      const sessions = [...rows.map((r) => r.pid), temporalServer, ...workerLeaders];
      const niceOfPid = async (pid: number) => {
        const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
        return stat === undefined ? undefined : Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
      };
      expect(await niceOfPid(temporalServer)).toBe(19);
      const behind = async () => {
        const found: string[] = [];
        for (const pid of sessions) {
          const nice = await niceOfPid(pid);
          if (nice === undefined) continue; // a connection closed meanwhile
          const weight = autogroupNice(pid);
          // Without autogroups a nice weighs against every process already, and nothing is changed.
          if (autogroupsEnabled() ? weight !== nice : weight !== undefined && weight !== 0)
            found.push(`${pid}: nice ${nice}, session at ${weight}`);
        }
        return found;
      };
      await eventually(async () => (await behind()).length === 0, 5_000, 250);
      expect(await behind()).toEqual([]);
    } finally {
      await db.end();
    }
    expect(counter(api, 'cc_http_requests_total', 'route="/webhooks/telnyx/voice"')).toBeGreaterThan(0);
    expect(api).toMatch(/cc_http_request_duration_seconds_bucket\{/);
    expect(api).toMatch(/nodejs_eventloop_lag_p99_seconds \d/);
    const workers = await Promise.all(
      [metricsPort, metricsPort + 1].map(async (port) => {
        expect((await fetch(`http://127.0.0.1:${port}/metrics`)).status).toBe(401);
        const res = await fetch(`http://127.0.0.1:${port}/metrics`, { headers: { authorization: `Bearer ${token}` } });
        expect(res.status).toBe(200);
        return res.text();
      }),
    );
    for (const text of workers) expect(text).toMatch(/temporal_worker_task_slots_available\{/);
    // The workers were restarted above; those that ran stages since have counted them.
    const done = workers.map((t) => counter(t, 'cc_pipeline_stage_total', 'outcome="done"'));
    expect(done.reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
  });

  it('stops cleanly on Ctrl-C and keeps every record across a restart', async () => {
    const before = JSON.parse((await get('/api/phone-records?limit=200')).text).data.length as number;
    expect(before).toBeGreaterThanOrEqual(20);
    // Ctrl-C reaches the whole process group (npm itself exits at once); stop() waits until every member is gone.
    await cluster.stop('SIGINT', 120_000);
    expect(cluster.output()).toContain('[cluster] stopped.');
    expect(cluster.output()).toMatch(/\[worker-1\].*worker stopped/);
    expect(cluster.output()).not.toContain('did not stop cleanly');
    await start();
    const after = JSON.parse((await get('/api/phone-records?limit=200')).text).data.length as number;
    expect(after).toBe(before);
  });
});

/** Sum of a counter's samples whose labels include `match`. */
function counter(text: string, name: string, match: string): number {
  let sum = 0;
  for (const line of text.split('\n'))
    if (line.startsWith(`${name}{`) && line.includes(match)) sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  return sum;
}
