/**
 * `npm run bench:ingress`: signed Call Control webhooks at a fixed offered rate (open loop)
 * against the embedded stack, with the acknowledgement latency (p50/p99) beside two floors
 * measured in the same run at the same rate: a bare Hono app answering 200, and the bare client
 * `signalWithStart` our handler waits for. Then steps the rate up to find the highest one the
 * stack sustains, and checks that every call was recorded exactly once.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { serve } from '@hono/node-server';
import { WorkflowIdReusePolicy } from '@temporalio/client';
import { inArray, sql } from 'drizzle-orm';
import { Hono } from 'hono';
import { callLifecycle, signTelnyx } from '../activities/providers/telephony/fake.js';
import { phoneRecords } from '../db/schema/index.js';
import { parseCallControl } from '../api/webhooks/telnyx/normalize.js';
import { callWorkflowId } from '../temporal.config.js';
import { callEventSignal } from '../workflows/call.messages.js';
import { freePort } from '../worker/dev-server.js';
import { startEmbeddedStack } from './embedded-stack.js';
import { arg, fmt, percentile, say } from './lib.js';

const rate = arg('rate', 200);
const seconds = arg('seconds', 20);
const ramp = process.argv.includes('--no-ramp') ? [] : [300, 400, 600, 800];

/** Open loop: start `fn(i)` every 1/rate s for `seconds`, whatever the previous ones are doing. */
async function openLoop(r: number, secs: number, fn: (i: number) => Promise<boolean>) {
  const total = Math.round(r * secs);
  const latencies: number[] = [];
  let failures = 0;
  const started = performance.now();
  const pending: Promise<void>[] = [];
  for (let i = 0; i < total; i++) {
    const due = started + (i * 1000) / r;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((res) => setTimeout(res, wait));
    pending.push((async () => {
      const t = performance.now();
      const ok = await fn(i).catch(() => false);
      latencies.push(performance.now() - t);
      if (!ok) failures++;
    })());
  }
  await Promise.all(pending);
  const elapsed = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return { offered: r, achieved: total / elapsed, sent: total, failures, p50: percentile(latencies, 50), p99: percentile(latencies, 99), max: latencies[latencies.length - 1] ?? NaN };
}

/** Missed-call lifecycles (initiated, hangup): two events per call, the short pipeline path. */
function makeEvents(n: number, prefix: string) {
  const events: { body: string; session: string }[] = [];
  const sessions: string[] = [];
  for (let i = 0; events.length < n; i++) {
    const { callSessionId, events: evs } = callLifecycle({ from: `+1312555${String(1000 + (i % 9000)).padStart(4, '0')}`, to: '+13125550199', answered: false });
    const session = `${prefix}-${callSessionId}`;
    sessions.push(session);
    for (const e of evs) {
      const payload = (e.data as { payload: Record<string, unknown> }).payload;
      payload.call_session_id = session;
      events.push({ body: JSON.stringify(e), session });
    }
  }
  return { events: events.slice(0, n), sessions };
}

const stack = await startEmbeddedStack();
const results: Record<string, unknown> = { rate, seconds, at: new Date().toISOString() };
try {
  // Floor 1: a bare Hono 200 over the same HTTP client.
  const bare = new Hono().post('/x', (c) => c.text('ok'));
  const barePort = await freePort();
  const bareServer = serve({ fetch: bare.fetch, port: barePort, hostname: '127.0.0.1' });
  const hono = await openLoop(rate, seconds, async () => (await fetch(`http://127.0.0.1:${barePort}/x`, { method: 'POST', body: '{}' })).ok);
  bareServer.close();
  say(`bare Hono 200 at ${rate}/s: p50 ${fmt(hono.p50)}, p99 ${fmt(hono.p99)}`);

  // Floor 2: the bare client signalWithStart our handler performs.
  const floorEvents = makeEvents(rate * seconds, 'floor').events.map((e) => parseCallControl(JSON.parse(e.body)).event);
  const signal = await openLoop(rate, seconds, async (i) => {
    const event = floorEvents[i];
    if (!event) return false;
    await stack.client.workflow.signalWithStart('callWorkflow', {
      workflowId: callWorkflowId(event.callSessionId), taskQueue: stack.config.temporal.taskQueue, args: [{ callSessionId: event.callSessionId }],
      signal: callEventSignal, signalArgs: [event], workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
    });
    return true;
  });
  say(`bare signalWithStart at ${rate}/s: p50 ${fmt(signal.p50)}, p99 ${fmt(signal.p99)}`);

  // The product: signed webhooks through verification, parsing, normalisation and signalWithStart.
  const post = (body: string) => fetch(`${stack.url}/webhooks/telnyx/voice`, { method: 'POST', body, headers: { 'content-type': 'application/json', ...signTelnyx(stack.keys.privateKey, body) } });
  const main = makeEvents(rate * seconds, 'ingress');
  const ingress = await openLoop(rate, seconds, async (i) => (await post(main.events[i]!.body)).status === 200);
  say(`ingress at ${rate}/s: p50 ${fmt(ingress.p50)}, p99 ${fmt(ingress.p99)}, failures ${ingress.failures}; p50 ${(ingress.p50 / signal.p50).toFixed(2)}x the signalWithStart floor`);

  const steps = [];
  for (const r of ramp) {
    const set = makeEvents(r * 10, `ramp${r}`);
    const step = await openLoop(r, 10, async (i) => (await post(set.events[i]!.body)).status === 200);
    steps.push(step);
    say(`  ${r}/s offered: achieved ${step.achieved.toFixed(0)}/s, p50 ${fmt(step.p50)}, p99 ${fmt(step.p99)}, failures ${step.failures}`);
    if (step.failures > 0 || step.achieved < r * 0.97 || step.p99 > 1000) break;
  }
  const sustained = [{ offered: rate, achieved: ingress.achieved, failures: ingress.failures, p99: ingress.p99 }, ...steps].filter((s) => s.failures === 0 && s.achieved >= s.offered * 0.97 && s.p99 <= 1000);
  const highest = Math.max(...sustained.map((s) => s.offered));

  // Exactly once: every call of the main run has one phone record (the workflows write them).
  const deadline = Date.now() + 120_000;
  let recorded = 0;
  while (Date.now() < deadline) {
    const rows = await stack.database.db.select({ n: sql<number>`count(*)::int` }).from(phoneRecords).where(inArray(phoneRecords.callSessionId, main.sessions));
    recorded = rows[0]!.n;
    if (recorded >= main.sessions.length) break;
    await new Promise((r) => setTimeout(r, 1000));
  }
  const dupes = await stack.database.db.execute(sql`select call_session_id from phone_records group by 1 having count(*) > 1`);
  results.floors = { hono, signalWithStart: signal };
  results.ingress = { ...ingress, overheadVsSignalP50: ingress.p50 / signal.p50, overheadVsSignalP99: ingress.p99 / signal.p99 };
  results.ramp = steps;
  results.highestSustained = highest;
  results.exactlyOnce = { calls: main.sessions.length, recorded, duplicates: (dupes as unknown as { rows: unknown[] }).rows.length };
  say(`highest sustained rate: ${highest}/s; calls ${main.sessions.length}, recorded ${recorded}, duplicated ${(dupes as unknown as { rows: unknown[] }).rows.length}`);
  await mkdir('bench/results', { recursive: true });
  await writeFile('bench/results/ingress.json', JSON.stringify(results, null, 2));
  say('wrote bench/results/ingress.json');
} finally {
  await stack.stop();
}
