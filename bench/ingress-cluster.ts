/**
 * `npm run bench:ingress -- --target cluster [--rate 200] [--seconds 60]`: the ingress benchmark on
 * the production topology (`npm run cluster`: the Temporal server on PostgreSQL, two API processes,
 * two workers), started fresh as a child process. At one offered rate (open loop), in this order:
 * - the bare Hono floor: a Hono app answering 200, in this process, over the same HTTP client;
 * - the bare `signalWithStart` floor: what the webhook handler waits for, from this process to the
 *   same Temporal server (same codec, same task queue, so the workers run those calls too);
 * - ingress: signed Call Control webhooks, alternately to both API processes (answered once the
 *   event is in the inbox), with the relay's lag from the inbox to Temporal read from the inbox rows.
 * Each phase is followed by a drain (every pipeline it started finished). Then every call of the
 * ingress phase must have exactly one phone record. CPU per process kind over each phase (from
 * /proc) says where the time goes. Results: bench/results/ingress-cluster.json (`--out name` writes
 * bench/results/cluster-tuning/name.json instead).
 *
 * `--server-only`: for tuning the Temporal server one setting at a time (CLUSTER_TEMPORAL_*), only
 * `signalWithStart` to a task queue no worker polls, at each rate: the server and its database
 * alone, with its persistence, shard-lock and IO-lane (semaphore) latencies read from its metrics.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { serve } from '@hono/node-server';
import { WorkflowExecutionAlreadyStartedError, WorkflowIdReusePolicy } from '@temporalio/client';
import { Hono } from 'hono';
import pg from 'pg';
import { signTelnyx } from '../activities/providers/telephony/fake.js';
import { parseCallControl } from '../api/webhooks/telnyx/normalize.js';
import { callWorkflowId } from '../temporal.config.js';
import type { CallEvent } from '../contract/index.js';
import { loadConfig } from '../config.js';
import { NEW_CLUSTER_SHARDS } from '../deploy/temporal-server.js';

/** The Temporal server's settings the cluster starts with (CLUSTER_TEMPORAL_*), for the results. */
const configured = loadConfig('cluster').cluster.temporal;
// The benchmark's cluster is always new: unset shards are a new cluster's.
const temporalTuning = { ...configured, historyShards: configured.historyShards ?? NEW_CLUSTER_SHARDS };
import { callEventSignal } from '../workflows/signals.js';
import { arg, argString, fmt, say } from './lib.js';
import { cpuByKind, startClusterStack } from './cluster-stack.js';
import { drainCalls, makeEvents, openLoop, relayLag } from './ingress-load.js';
import { openDatabase } from '../db/client.js';
import { freePort } from '../platform/ports.js';

const rates = (argString('rates') ?? String(arg('rate', 200))).split(',').map(Number);
const seconds = arg('seconds', 60);
const serverOnly = process.argv.includes('--server-only');
const out = argString('out');
if (out !== undefined && !/^[a-z0-9-]+$/.test(out))
  throw new Error('--out takes a name of lowercase letters, digits and -');
const repoRoot = path.resolve(import.meta.dirname, '..');

/** The Temporal server's own persistence time and count per operation (its Prometheus endpoint). */
async function persistence(): Promise<Record<string, { seconds: number; count: number }>> {
  const text = await (await fetch(temporalMetricsUrl)).text();
  const out: Record<string, { seconds: number; count: number }> = {};
  for (const line of text.split('\n')) {
    const m = /^persistence_latency_(sum|count)\{.*operation="([^"]+)".*\} (\S+)$/.exec(line);
    if (!m) continue;
    const o = (out[m[2]!] ??= { seconds: 0, count: 0 });
    if (m[1] === 'sum') o.seconds += Number(m[3]);
    else o.count += Number(m[3]);
  }
  return out;
}

/**
 * Mean latency of the server's waits that decide a shard's pace, between two readings: the shard's
 * lock (`lock_latency`) and its IO lanes (`semaphore_latency`, history.shardIOConcurrency), summed
 * over every label set of each histogram.
 */
async function serverWaits(): Promise<Record<string, { seconds: number; count: number }>> {
  const text = await (await fetch(temporalMetricsUrl)).text();
  const out: Record<string, { seconds: number; count: number }> = { resource_exhausted: { seconds: 0, count: 0 } };
  for (const line of text.split('\n')) {
    // Requests refused by the server's rate limits (frontend and history RPS): 0 means none bound.
    const limited = /^service_errors_resource_exhausted(?:_total)?(?:\{.*\})? (\S+)$/.exec(line);
    if (limited) out.resource_exhausted!.count += Number(limited[1]);
    const m = /^(lock_latency|semaphore_latency)_(sum|count)(?:\{.*\})? (\S+)$/.exec(line);
    if (!m) continue;
    const o = (out[m[1]!] ??= { seconds: 0, count: 0 });
    if (m[2] === 'sum') o.seconds += Number(m[3]);
    else o.count += Number(m[3]);
  }
  return out;
}

const meanWaits = (a: Record<string, { seconds: number; count: number }>, b: typeof a, secs: number) =>
  Object.fromEntries(
    Object.entries(b).map(([name, v]) => {
      const n = v.count - (a[name]?.count ?? 0);
      const ms = (v.seconds - (a[name]?.seconds ?? 0)) * 1000;
      return [name, { perSecond: n / secs, meanMs: n ? ms / n : 0 }];
    }),
  );

/** The operations that took the most database time between two readings, per second of the phase. */
function topPersistence(
  a: Record<string, { seconds: number; count: number }>,
  b: Record<string, { seconds: number; count: number }>,
  secs: number,
) {
  return Object.entries(b)
    .map(([op, v]) => ({
      op,
      perSecond: (v.count - (a[op]?.count ?? 0)) / secs,
      dbMsPerSecond: ((v.seconds - (a[op]?.seconds ?? 0)) * 1000) / secs,
    }))
    .sort((x, y) => y.dbMsPerSecond - x.dbMsPerSecond)
    .slice(0, 6)
    .map((x) => `${x.op} ${x.perSecond.toFixed(0)}/s ${x.dbMsPerSecond.toFixed(0)} ms/s`);
}

const diff = (a: Record<string, number>, b: Record<string, number>, secs: number) =>
  Object.fromEntries(
    Object.keys(b)
      .sort()
      .map((k) => [k, `${(((b[k]! - (a[k] ?? 0)) / 100 / secs) * 100).toFixed(0)}% of a core`]),
  );

const stack = await startClusterStack();
// The server refreshes its search-attribute cache on every read for 90 s after registering them
// (deploy/temporal-server.ts): measuring inside that window would measure the refresh.
const settle = arg('settle-seconds', 100);
if (settle > 0) {
  say(`waiting ${settle} s for the server's start-up window to pass ...`);
  await new Promise((r) => setTimeout(r, settle * 1000));
}
const { dataDir, env, client } = stack;
const apis = stack.urls;
const key = stack.keys.privateKey;
const temporalMetricsUrl = `http://127.0.0.1:${Number(env.CLUSTER_TEMPORAL_PORT) + 767}/metrics`;
const db = new pg.Client({ connectionString: `postgres://postgres@127.0.0.1:${env.CLUSTER_PG_PORT}/command_center` });
await db.connect();
// The app database through the product's own driver, for the relay's lag (read from the inbox rows).
const appDb = await openDatabase({
  url: `postgres://postgres@127.0.0.1:${env.CLUSTER_PG_PORT}/command_center`,
  migrate: false,
  poolSize: 2,
});
const results: Record<string, unknown> = {
  rates,
  seconds,
  at: new Date().toISOString(),
  temporal: temporalTuning,
  topology: `2 API, 2 workers, Temporal 1.32.2 (${temporalTuning.historyShards} shards, ${temporalTuning.shardIOConcurrency} IO lane(s), pool ${temporalTuning.maxConns}, ${temporalTuning.sqlPlugin}) on PostgreSQL`,
};

/** Send each of `indices` again, in order, 16 at a time, until it succeeds. */
async function redeliver(indices: number[], send: (i: number) => Promise<boolean>) {
  const todo = [...indices].sort((a, b) => a - b);
  let next = 0;
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (next < todo.length) {
        const i = todo[next++]!;
        while (!(await send(i).catch(() => false))) await new Promise((r) => setTimeout(r, 250));
      }
    }),
  );
}

/** Wait until every session's workflow has finished. */
const drain = (sessions: string[]) => drainCalls(client, sessions, 600_000);

/** One offered rate: the two floors, then ingress; each drained; refused deliveries redelivered as Telnyx would. */
async function step(rate: number, barePort: number, ingressSessions: string[]) {
  let cpu = await cpuByKind(dataDir);
  const hono = await openLoop(rate, seconds, async () => {
    const res = await fetch(`http://127.0.0.1:${barePort}/x`, { method: 'POST', body: '{}' });
    await res.arrayBuffer();
    return res.ok;
  });
  say(`${rate}/s bare Hono 200: p50 ${fmt(hono.p50)} p99 ${fmt(hono.p99)}, achieved ${hono.achieved.toFixed(0)}/s`);

  const floorSet = makeEvents(rate * seconds, `floor${rate}`);
  const floorEvents = floorSet.events.map((e) => parseCallControl(JSON.parse(e.body), 'US').event!);
  cpu = await cpuByKind(dataDir);
  const startFloor = (i: number) => startCall(floorEvents[i]!, 'command-center');
  const floorFailed: number[] = [];
  const signal = await openLoop(rate, seconds, async (i) => {
    await startFloor(i).catch((err: unknown) => {
      floorFailed.push(i);
      throw err;
    });
    return true;
  });
  const signalCpu = diff(cpu, await cpuByKind(dataDir), seconds);
  say(
    `${rate}/s bare signalWithStart: p50 ${fmt(signal.p50)} p99 ${fmt(signal.p99)}, achieved ${signal.achieved.toFixed(0)}/s, failures ${signal.failures}`,
  );
  say(`  CPU: ${JSON.stringify(signalCpu)}`);
  // A signal that failed its deadline is sent again (as the relay would), so every call is whole and
  // the drain can wait for all of them.
  await redeliver(floorFailed, async (i) => {
    // Already started and closed: the first attempt did reach the server.
    await startFloor(i).catch((err: unknown) => {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    });
    return true;
  });
  if (floorFailed.length) say(`  sent ${floorFailed.length} failed signals again`);
  let t = performance.now();
  const floorDrained = await drain(floorSet.sessions);
  say(
    `  drained ${floorSet.sessions.length} calls: ${floorDrained} (${((performance.now() - t) / 1000).toFixed(0)} s after the phase)`,
  );

  const main = makeEvents(rate * seconds, `ingress${rate}`);
  ingressSessions.push(...main.sessions);
  const deliver = async (i: number) => {
    const e = main.events[i]!;
    const res = await fetch(`${apis[i % 2]}/webhooks/telnyx/voice`, {
      method: 'POST',
      body: e.body,
      headers: { 'content-type': 'application/json', ...signTelnyx(key, e.body) },
    });
    await res.arrayBuffer();
    return res.status === 200;
  };
  const refused: number[] = [];
  const dbBefore = await persistence();
  cpu = await cpuByKind(dataDir);
  const ingress = await openLoop(rate, seconds, async (i) => {
    const ok = await deliver(i).catch(() => false);
    if (!ok) refused.push(i);
    return ok;
  });
  const ingressCpu = diff(cpu, await cpuByKind(dataDir), seconds);
  const ingressDb = topPersistence(dbBefore, await persistence(), seconds);
  say(
    `${rate}/s ingress (both APIs): p50 ${fmt(ingress.p50)} p99 ${fmt(ingress.p99)}, achieved ${ingress.achieved.toFixed(0)}/s, refused ${ingress.failures}`,
  );
  say(`  CPU: ${JSON.stringify(ingressCpu)}`);
  say(`  Temporal's database time, top operations: ${ingressDb.join('; ')}`);
  // Telnyx retries what was refused: so does this, in order, until each is accepted.
  await redeliver(refused, deliver);
  if (refused.length) say(`  redelivered ${refused.length} refused events`);
  t = performance.now();
  const drained = await drain(main.sessions);
  say(
    `  drained ${main.sessions.length} calls: ${drained} (${((performance.now() - t) / 1000).toFixed(0)} s after the phase)`,
  );
  const lag = await relayLag(appDb.db, main.sessions);
  say(
    `  relay lag (inbox commit to Temporal): p50 ${fmt(lag.p50)} p99 ${fmt(lag.p99)} max ${fmt(lag.max)}; ${lag.delivered} of ${lag.stored} events delivered, ${lag.retried} after a failed attempt${lag.lastErrors.length ? ` (${lag.lastErrors.join(', ')})` : ''}`,
  );
  return {
    rate,
    hono,
    signalWithStart: { ...signal, cpu: signalCpu, drained: floorDrained },
    ingress: { ...ingress, cpu: ingressCpu, temporalDatabase: ingressDb, drained, redelivered: refused.length },
    relayLag: lag,
    ratioP50: ingress.p50 / signal.p50,
    ratioP99: ingress.p99 / signal.p99,
  };
}

/** A call's workflow started with its first event, as the product's gateway starts one. */
function startCall(event: CallEvent, taskQueue: string) {
  return client.workflow.signalWithStart('callWorkflow', {
    workflowId: callWorkflowId(event.callSessionId),
    taskQueue,
    // With the cluster stack's straggler window (0).
    args: [{ callSessionId: event.callSessionId, stragglerWindowMs: 0 }],
    signal: callEventSignal,
    signalArgs: [event],
    workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
  });
}

/** `signalWithStart` at `rate` to a task queue no worker polls: the Temporal server and its database alone. */
async function serverAlone(rate: number) {
  const alone = makeEvents(rate * seconds, `alone${rate}`).events.map(
    (e) => parseCallControl(JSON.parse(e.body), 'US').event!,
  );
  const cpuAlone = await cpuByKind(dataDir);
  const dbAlone = await persistence();
  const waitsAlone = await serverWaits();
  const latency = await openLoop(rate, seconds, async (i) => {
    await startCall(alone[i]!, 'no-worker');
    return true;
  });
  const cpu = diff(cpuAlone, await cpuByKind(dataDir), seconds);
  const temporalDatabase = topPersistence(dbAlone, await persistence(), seconds);
  const waits = meanWaits(waitsAlone, await serverWaits(), seconds);
  say(
    `${rate}/s signalWithStart with no worker running the calls: p50 ${fmt(latency.p50)} p99 ${fmt(latency.p99)}, achieved ${latency.achieved.toFixed(0)}/s, failures ${latency.failures}`,
  );
  say(`  CPU: ${JSON.stringify(cpu)}`);
  say(`  Temporal's database time, top operations: ${temporalDatabase.join('; ')}`);
  say(
    `  shard lock and IO lanes: ${Object.entries(waits)
      .map(([k, v]) => `${k} ${v.perSecond.toFixed(0)}/s mean ${v.meanMs.toFixed(2)} ms`)
      .join('; ')}`,
  );
  return { rate, ...latency, cpu, temporalDatabase, waits };
}

const resultsFile = out
  ? path.join(repoRoot, 'bench', 'results', 'cluster-tuning', `${out}.json`)
  : path.join(repoRoot, 'bench', 'results', 'ingress-cluster.json');

async function writeResults() {
  await mkdir(path.dirname(resultsFile), { recursive: true });
  await writeFile(resultsFile, JSON.stringify(results, null, 2));
  say(`wrote ${path.relative(repoRoot, resultsFile)}`);
}

/** The server alone at each rate, for tuning it. */
async function tuneServer() {
  const alone = [];
  for (const rate of rates) alone.push(await serverAlone(rate));
  Object.assign(results, { serverOnly: alone });
  await writeResults();
}

/** Both floors and ingress at each rate, then the server alone at the highest. */
async function everyPhase() {
  const bare = new Hono().post('/x', (c) => c.text('ok'));
  const barePort = await freePort();
  const bareServer = serve({ fetch: bare.fetch, port: barePort, hostname: '127.0.0.1' });
  // A short warm-up of each path (connections, JIT), not measured.
  const warm = makeEvents(40, 'warm');
  for (const [i, e] of warm.events.entries())
    await fetch(`${apis[i % 2]}/webhooks/telnyx/voice`, {
      method: 'POST',
      body: e.body,
      headers: { 'content-type': 'application/json', ...signTelnyx(key, e.body) },
    });
  await drain(warm.sessions);

  const steps = [];
  const ingressSessions: string[] = [];
  for (const rate of rates) steps.push(await step(rate, barePort, ingressSessions));
  bareServer.close();

  // The server's own share: bare signalWithStart to a task queue no worker polls (nothing runs the
  // calls), at the highest rate, with the workers idle.
  Object.assign(results, { serverAlone: await serverAlone(Math.max(...rates)) });
  const { rows } = await db.query<{ n: number; dupes: number }>(
    `select count(*)::int as n,
            (select count(*)::int from (select 1 from phone_records where call_session_id = any($1) group by call_session_id having count(*) > 1) d) as dupes
       from phone_records where call_session_id = any($1)`,
    [ingressSessions],
  );
  const exactlyOnce = { calls: ingressSessions.length, recorded: rows[0]!.n, duplicates: rows[0]!.dupes };
  say(`exactly once: ${exactlyOnce.calls} calls, ${exactlyOnce.recorded} recorded, ${exactlyOnce.duplicates} doubled`);
  Object.assign(results, { steps, exactlyOnce });
  await writeResults();
}

try {
  await (serverOnly ? tuneServer() : everyPhase());
} finally {
  await db.end().catch(() => undefined);
  await appDb.close().catch(() => undefined);
  await stack.stop();
}
