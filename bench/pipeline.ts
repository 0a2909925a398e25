/**
 * `npm run bench:pipeline`: calls per minute through the whole pipeline on the embedded stack
 * with vendor fakes (their own process) that answer instantly with canned results, against bare
 * workflows on the same Temporal server in the same run: one of the call workflow's own shape (its
 * signals, local and ordinary activities, read off a pilot call's history, all no-ops) and the
 * earlier baseline of nine no-op activities; and the latency from `call.recording.saved` to the
 * notification.
 * With `--local`, also times each stage of one 2-minute call on the offline engines.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from '@temporalio/worker';
import { inArray } from 'drizzle-orm';
import { callLifecycle, signTelnyx } from '../activities/providers/telephony/fake.js';
import { contacts, phoneRecords } from '../db/schema/index.js';
import { callWorkflowId } from '../temporal.config.js';
import { spawn } from 'node:child_process';
import { startEmbeddedStack } from './embedded-stack.js';
import { arg, fmt, percentile, say } from './lib.js';

const calls = arg('calls', 100);
// The fakes the throughput run talks to live in their own process, as vendors do.
const child = spawn(process.execPath, ['--import', 'tsx', path.join(path.dirname(fileURLToPath(import.meta.url)), 'vendors-process.ts')], { stdio: ['ignore', 'pipe', 'inherit'] });
const remote = await new Promise<{ env: Record<string, string>; recordingBase: string }>((resolve, reject) => {
  child.stdout.once('data', (d: Buffer) => resolve(JSON.parse(d.toString().split('\n')[0]!)));
  child.once('exit', (code) => reject(new Error(`vendor fakes exited with ${code}`)));
});
const stack = await startEmbeddedStack(remote.env);
const results: Record<string, unknown> = { calls, at: new Date().toISOString() };
try {
  // Calls come from many known people, as they do on a real line (each rescore reads one history).
  const phone = (i: number) => `+1212555${String(1000 + i).padStart(4, '0')}`;
  const latencyCalls = arg('latency-calls', 20);
  await stack.database.db.insert(contacts).values(Array.from({ length: calls + latencyCalls + 50 }, (_, i) => ({ firstName: `Caller${i}`, lastName: 'Bench', phoneE164: phone(i) })));
  const post = async (event: unknown) => {
    const body = JSON.stringify(event);
    const res = await fetch(`${stack.url}/webhooks/telnyx/voice`, { method: 'POST', body, headers: { 'content-type': 'application/json', ...signTelnyx(stack.keys.privateKey, body) } });
    if (res.status !== 200) throw new Error(`webhook answered ${res.status}`);
  };
  const lifeOf = (i: number) => callLifecycle({ from: phone(i), to: '+13125550199', answered: true, talkSeconds: 150, recordingUrl: `${remote.recordingBase}canned-${i % 2000}.mp3` });

  // A pilot call, to read the call workflow's shape off its history: events signalled, local and
  // ordinary activities, workflow tasks.
  const pilot = lifeOf(calls + latencyCalls + 1);
  for (const e of pilot.events) await post(e);
  const pilotHandle = stack.client.workflow.getHandle(callWorkflowId(pilot.callSessionId));
  await pilotHandle.result();
  const events = (await pilotHandle.fetchHistory()).events ?? [];
  const shape = {
    signals: events.filter((e) => e.workflowExecutionSignaledEventAttributes).length,
    local: events.filter((e) => e.markerRecordedEventAttributes?.markerName === 'core_local_activity').length,
    regular: events.filter((e) => e.activityTaskScheduledEventAttributes).length,
    upserts: events.filter((e) => e.upsertWorkflowSearchAttributesEventAttributes).length,
  };
  const workflowTasks = events.filter((e) => e.workflowTaskCompletedEventAttributes).length;
  say(`the call workflow's shape: ${shape.signals} signals, ${shape.local} local and ${shape.regular} ordinary activities, ${shape.upserts} search-attribute upserts, ${workflowTasks} workflow tasks`);
  results.shape = { ...shape, workflowTasks };

  // Baselines on their own queue and worker: no-op activities, only Temporal's own work.
  const bareQueue = `bare-${randomUUID()}`;
  const { NativeConnection } = await import('@temporalio/worker');
  const native = await NativeConnection.connect({ address: stack.temporalAddress });
  const bareWorker = await Worker.create({
    connection: native,
    taskQueue: bareQueue,
    workflowsPath: path.join(path.dirname(fileURLToPath(import.meta.url)), 'bare-workflow.ts'),
    activities: { noop: async (step: number) => step },
  });
  const bareRun = bareWorker.run();
  const t0 = performance.now();
  await Promise.all(Array.from({ length: calls }, (_, i) => stack.client.workflow.execute('bareCallShapeWorkflow', { taskQueue: bareQueue, workflowId: `bare-${i}-${randomUUID()}` })));
  const bareMs = performance.now() - t0;
  const bareRate = (calls / bareMs) * 60_000;
  say(`bare workflow (9 no-op activities, started directly): ${calls} in ${fmt(bareMs)} = ${bareRate.toFixed(0)} per minute`);
  // The same shape, its events signalled with signalWithStart one after another, as the webhooks
  // do; once with the search-attribute upserts the Temporal UI needs, once without.
  const sameShape = async (upserts: number) => {
    const started = performance.now();
    await Promise.all(Array.from({ length: calls }, async (_, i) => {
      const workflowId = `shape-${i}-${randomUUID()}`;
      for (let k = 0; k < shape.signals; k++) {
        await stack.client.workflow.signalWithStart('sameShapeWorkflow', { taskQueue: bareQueue, workflowId, args: [{ ...shape, upserts }], signal: 'callEvent', signalArgs: [{ k }] });
      }
      await stack.client.workflow.getHandle(workflowId).result();
    }));
    const ms = performance.now() - started;
    return { ms, perMinute: (calls / ms) * 60_000 };
  };
  const shapeNoUpserts = await sameShape(0);
  say(`bare workflow of the same shape without its upserts: ${calls} in ${fmt(shapeNoUpserts.ms)} = ${shapeNoUpserts.perMinute.toFixed(0)} per minute`);
  const shapeFull = await sameShape(shape.upserts);
  const shapeMs = shapeFull.ms;
  const shapeRate = shapeFull.perMinute;
  say(`bare workflow of the same shape: ${calls} in ${fmt(shapeMs)} = ${shapeRate.toFixed(0)} per minute`);
  bareWorker.shutdown();
  await bareRun;
  await native.close();

  // The pipeline: signed lifecycles of recorded 150 s calls from a known contact.
  const lives = Array.from({ length: calls }, (_, i) => lifeOf(i));
  const savedAt = new Map<string, number>();
  const t1 = performance.now();
  await Promise.all(lives.map(async (life) => {
    for (const e of life.events) {
      await post(e);
      if ((e.data as { event_type: string }).event_type === 'call.recording.saved') savedAt.set(life.callSessionId, Date.now());
    }
  }));
  await Promise.all(lives.map((life) => stack.client.workflow.getHandle(callWorkflowId(life.callSessionId)).result()));
  const pipelineMs = performance.now() - t1;
  const pipelineRate = (calls / pipelineMs) * 60_000;
  say(`full pipeline: ${calls} calls in ${fmt(pipelineMs)} = ${pipelineRate.toFixed(0)} per minute; ratio to the same shape ${(pipelineRate / shapeRate).toFixed(2)} (${(pipelineRate / shapeNoUpserts.perMinute).toFixed(2)} without its upserts, ${(pipelineRate / bareRate).toFixed(2)} to nine no-op activities)`);

  const rows = await stack.database.db.select().from(phoneRecords).where(inArray(phoneRecords.callSessionId, lives.map((l) => l.callSessionId)));
  const latencies = rows
    .map((r) => Date.parse((r.stageStatus as Record<string, { at: string }>).notify?.at ?? '') - (savedAt.get(r.callSessionId) ?? NaN))
    .filter((x) => Number.isFinite(x))
    .sort((a, b) => a - b);
  const allDone = rows.every((r) => Object.values(r.stageStatus as Record<string, { status: string }>).every((s) => s.status === 'done'));
  say(`under the burst, recording.saved -> notification: p50 ${fmt(percentile(latencies, 50))}, p95 ${fmt(percentile(latencies, 95))} (${latencies.length} calls, every stage done: ${allDone})`);
  // Latency of one call at a time (no queue in front of it): recording.saved to notification.
  const single: number[] = [];
  for (let i = 0; i < latencyCalls; i++) {
    const life = lifeOf(calls + i);
    let saved = 0;
    for (const e of life.events) {
      await post(e);
      if ((e.data as { event_type: string }).event_type === 'call.recording.saved') saved = Date.now();
    }
    await stack.client.workflow.getHandle(callWorkflowId(life.callSessionId)).result();
    const [row] = await stack.database.db.select().from(phoneRecords).where(inArray(phoneRecords.callSessionId, [life.callSessionId]));
    single.push(Date.parse((row!.stageStatus as Record<string, { at: string }>).notify!.at) - saved);
  }
  single.sort((a, b) => a - b);
  say(`one call at a time, recording.saved -> notification: p50 ${fmt(percentile(single, 50))}, p95 ${fmt(percentile(single, 95))} (${single.length} calls)`);
  results.singleCallLatency = { p50: percentile(single, 50), p95: percentile(single, 95), n: single.length };
  results.bare = { ms: bareMs, perMinute: bareRate };
  results.sameShape = { ms: shapeMs, perMinute: shapeRate };
  results.sameShapeWithoutUpserts = shapeNoUpserts;
  results.pipeline = { ms: pipelineMs, perMinute: pipelineRate, ratioToSameShape: pipelineRate / shapeRate, ratioToSameShapeWithoutUpserts: pipelineRate / shapeNoUpserts.perMinute, ratioToNineNoops: pipelineRate / bareRate, allStagesDone: allDone };
  results.burstLatency = { p50: percentile(latencies, 50), p95: percentile(latencies, 95), n: latencies.length };
  await mkdir('bench/results', { recursive: true });
  await writeFile('bench/results/pipeline.json', JSON.stringify(results, null, 2));
  say('wrote bench/results/pipeline.json');
} finally {
  await stack.stop();
  child.kill('SIGTERM');
}
