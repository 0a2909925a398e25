/**
 * `npm run bench:ingress`: signed Call Control webhooks at a fixed offered rate (open loop)
 * against the embedded stack, with the acknowledgement latency (p50/p99) beside two floors
 * measured in the same run at the same rate: a bare Hono app answering 200, and the bare client
 * `signalWithStart` our handler waits for. Then steps the rate up to find the highest one the
 * stack sustains, and checks that every call was recorded exactly once. Last, the dev server's own
 * ceiling at the goal rate: bare signalWithStart against a fresh server with nothing else running.
 * The webhooks answer once the event is in the inbox; the relay's lag to Temporal is read from the
 * inbox rows. A last phase freezes the dev server (SIGSTOP) for 20 s under 60 deliveries/s.
 * `--target cluster` runs it on the production topology instead (bench/ingress-cluster.ts).
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { serve } from '@hono/node-server';
import { Client, Connection, WorkflowIdReusePolicy } from '@temporalio/client';
import { inArray, sql } from 'drizzle-orm';
import { Hono } from 'hono';
import { signTelnyx } from '../activities/providers/telephony/fake.js';
import { phoneRecords } from '../db/schema/index.js';
import { parseCallControl } from '../api/webhooks/telnyx/normalize.js';
import { callWorkflowId } from '../temporal.config.js';
import { callEventSignal } from '../workflows/signals.js';
import { startDevServer } from '../deploy/dev-server.js';
import { locateTemporalCli } from '../deploy/temporal-cli.js';
import { startEmbeddedStack } from './embedded-stack.js';
import { arg, argString, fmt, say } from './lib.js';
import { drainCalls, makeEvents, openLoop, relayLag } from './ingress-load.js';
import { freePort } from '../platform/ports.js';

if (argString('target') === 'cluster') {
  // The production topology (npm run cluster): bench/ingress-cluster.ts.
  await import('./ingress-cluster.js');
  process.exit(0);
}

const seconds = arg('seconds', 10);
const rates = (process.argv.includes('--rates') ? process.argv[process.argv.indexOf('--rates') + 1]! : '25,50,100,200')
  .split(',')
  .map(Number);

const stack = await startEmbeddedStack();
const results: Record<string, unknown> = { seconds, rates, at: new Date().toISOString() };

/** Let the worker finish the workflows a phase started, so phases do not load each other. */
const drain = (sessions: string[]) => drainCalls(stack.client, sessions, 180_000);

try {
  const bare = new Hono().post('/x', (c) => c.text('ok'));
  const barePort = await freePort();
  const bareServer = serve({ fetch: bare.fetch, port: barePort, hostname: '127.0.0.1' });
  const post = (body: string) =>
    fetch(`${stack.url}/webhooks/telnyx/voice`, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json', ...signTelnyx(stack.keys.privateKey, body) },
    });
  const steps = [];
  const allSessions: string[] = [];
  for (const rate of rates) {
    // Floor 1: a bare Hono 200 over the same HTTP client.
    const hono = await openLoop(
      rate,
      seconds,
      async () => (await fetch(`http://127.0.0.1:${barePort}/x`, { method: 'POST', body: '{}' })).ok,
    );
    // Floor 2: the bare client signalWithStart our handler performs (events parsed beforehand).
    const floorSet = makeEvents(rate * seconds, `floor${rate}`);
    const floorEvents = floorSet.events.map((e) => parseCallControl(JSON.parse(e.body), 'US').event);
    const signal = await openLoop(rate, seconds, async (i) => {
      const event = floorEvents[i];
      if (!event) return false;
      await stack.client.workflow.signalWithStart('callWorkflow', {
        workflowId: callWorkflowId(event.callSessionId),
        taskQueue: stack.config.temporal.taskQueue,
        // As the product's gateway starts a call: with the configured straggler window (0 here).
        args: [{ callSessionId: event.callSessionId, stragglerWindowMs: stack.config.calls.stragglerWindowMs }],
        signal: callEventSignal,
        signalArgs: [event],
        workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
      });
      return true;
    });
    const drainedFloor = await drain(floorSet.sessions);
    // The product: signed webhooks through verification, parsing, normalisation and signalWithStart.
    const main = makeEvents(rate * seconds, `ingress${rate}`);
    allSessions.push(...main.sessions);
    const ingress = await openLoop(rate, seconds, async (i) => (await post(main.events[i]!.body)).status === 200);
    const drained = await drain(main.sessions);
    const lag = await relayLag(stack.database.db, main.sessions);
    const step = {
      rate,
      hono,
      signalWithStart: signal,
      ingress,
      overheadP50: ingress.p50 / signal.p50,
      overheadP99: ingress.p99 / signal.p99,
      drainedFloor,
      drained,
      relayLag: lag,
    };
    steps.push(step);
    say(
      `${rate}/s: Hono p50 ${fmt(hono.p50)} p99 ${fmt(hono.p99)} | signalWithStart p50 ${fmt(signal.p50)} p99 ${fmt(signal.p99)} | ingress p50 ${fmt(ingress.p50)} p99 ${fmt(ingress.p99)} (achieved ${ingress.achieved.toFixed(0)}/s, failures ${ingress.failures}, pipelines drained: ${drained}) | relay lag p50 ${fmt(lag.p50)} p99 ${fmt(lag.p99)}`,
    );
    if (ingress.failures > 0 || ingress.achieved < rate * 0.97 || !drained || ingress.p99 > 1000) break;
  }
  bareServer.close();
  const sustained = steps
    .filter(
      (s) => s.ingress.failures === 0 && s.ingress.achieved >= s.rate * 0.97 && s.drained && s.ingress.p99 <= 1000,
    )
    .map((s) => s.rate);

  // Exactly once: every call of the ingress phases has one phone record.
  const rows = await stack.database.db
    .select({ n: sql<number>`count(*)::int` })
    .from(phoneRecords)
    .where(inArray(phoneRecords.callSessionId, allSessions));
  const dupes = await stack.database.db.execute(
    sql`select call_session_id from phone_records group by 1 having count(*) > 1`,
  );
  results.steps = steps;
  results.highestSustained = sustained.length ? Math.max(...sustained) : 0;
  results.exactlyOnce = {
    calls: allSessions.length,
    recorded: rows[0]!.n,
    duplicates: (dupes as unknown as { rows: unknown[] }).rows.length,
  };
  say(
    `highest sustained rate (p99 under 1 s, every pipeline drained): ${results.highestSustained}/s; calls ${allSessions.length}, recorded ${rows[0]!.n}, duplicated ${(dupes as unknown as { rows: unknown[] }).rows.length}`,
  );

  // Temporal frozen (SIGSTOP) in the middle of a steady load: the webhooks must not wait for it.
  const freezeRate = arg('freeze-rate', 60);
  const freezeSeconds = arg('freeze-seconds', 45);
  const frozenSeconds = arg('frozen-seconds', 20);
  if (freezeRate > 0) {
    const pid = stack.temporalPid;
    if (!pid) throw new Error('the dev server has no pid to freeze');
    const set = makeEvents(freezeRate * freezeSeconds, 'frozen');
    const from = ((freezeSeconds - frozenSeconds) / 2) * 1000;
    const freeze = setTimeout(() => process.kill(pid, 'SIGSTOP'), from);
    const thaw = setTimeout(() => process.kill(pid, 'SIGCONT'), from + frozenSeconds * 1000);
    let load;
    try {
      load = await openLoop(freezeRate, freezeSeconds, async (i) => (await post(set.events[i]!.body)).status === 200);
    } finally {
      clearTimeout(freeze);
      clearTimeout(thaw);
      process.kill(pid, 'SIGCONT');
    }
    const thawedAt = Date.now();
    const drained = await drain(set.sessions);
    const drainSeconds = (Date.now() - thawedAt) / 1000;
    const lag = await relayLag(stack.database.db, set.sessions);
    const recorded = await stack.database.db
      .select({ n: sql<number>`count(*)::int` })
      .from(phoneRecords)
      .where(inArray(phoneRecords.callSessionId, set.sessions));
    results.frozen = {
      rate: freezeRate,
      seconds: freezeSeconds,
      frozenSeconds,
      webhooks: load,
      relayLag: lag,
      drained,
      drainSecondsAfterLoad: drainSeconds,
      calls: set.sessions.length,
      recorded: recorded[0]!.n,
    };
    say(
      `${freezeRate}/s for ${freezeSeconds} s, Temporal frozen ${frozenSeconds} s in the middle: webhooks p50 ${fmt(load.p50)} p99 ${fmt(load.p99)} max ${fmt(load.max)}, refused ${load.failures} of ${load.sent}; relay lag p50 ${fmt(lag.p50)} p99 ${fmt(lag.p99)} max ${fmt(lag.max)}; calls ${set.sessions.length}, recorded ${recorded[0]!.n}, pipelines drained ${drained} (${drainSeconds.toFixed(1)} s after the load)`,
    );
  }

  // The server's own ceiling at the goal rate: a fresh dev server like the embedded one (SQLite
  // file in WAL mode), with no worker and no other load, taking bare signalWithStart; and the same
  // in memory (not durable, for reference only).
  const goal = arg('ceiling-rate', 200);
  const ceiling: Record<string, unknown> = {};
  for (const durable of [true, false]) {
    const dir = await mkdtemp(path.join(tmpdir(), 'cc-ceiling-'));
    const server = await startDevServer({
      cliPath: await locateTemporalCli(process.env.TEMPORAL_CLI_PATH, say),
      port: await freePort(),
      namespace: 'default',
      headless: true,
      ...(durable ? { dbFile: path.join(dir, 'temporal.db') } : {}),
    });
    const connection = await Connection.connect({ address: server.address });
    try {
      const client = new Client({ connection });
      const set = makeEvents(goal * seconds, `ceiling${durable ? 'file' : 'mem'}`).events.map(
        (e) => parseCallControl(JSON.parse(e.body), 'US').event!,
      );
      const step = await openLoop(goal, seconds, async (i) => {
        await client.workflow.signalWithStart('callWorkflow', {
          workflowId: callWorkflowId(set[i]!.callSessionId),
          taskQueue: 'no-worker',
          args: [{ callSessionId: set[i]!.callSessionId }],
          signal: callEventSignal,
          signalArgs: [set[i]!],
          workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
        });
        return true;
      });
      ceiling[durable ? 'sqliteFile' : 'inMemory'] = step;
      say(
        `dev server alone (${durable ? 'SQLite file, as embedded' : 'in memory, not durable'}), no worker, bare signalWithStart at ${goal}/s: achieved ${step.achieved.toFixed(0)}/s, p50 ${fmt(step.p50)} p99 ${fmt(step.p99)}`,
      );
    } finally {
      await connection.close();
      await server.stop();
      await rm(dir, { recursive: true, force: true });
    }
  }
  results.serverCeiling = ceiling;
  await mkdir('bench/results', { recursive: true });
  await writeFile('bench/results/ingress.json', JSON.stringify(results, null, 2));
  say('wrote bench/results/ingress.json');
} finally {
  await stack.stop();
}
