/**
 * `npm run bench:pipeline`: calls per minute through the whole pipeline on the embedded stack
 * with vendor fakes (their own process) that answer instantly with canned results, against a bare
 * workflow of the same shape (nine no-op activities) on the same Temporal server in the same run;
 * and the latency from `call.recording.saved` to the notification.
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
  await stack.database.db.insert(contacts).values(Array.from({ length: calls + 50 }, (_, i) => ({ firstName: `Caller${i}`, lastName: 'Bench', phoneE164: phone(i) })));

  // Baseline: the same number of workflows, each nine no-op activities, on their own queue.
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
  bareWorker.shutdown();
  await bareRun;
  await native.close();
  const bareRate = (calls / bareMs) * 60_000;
  say(`bare workflow (9 no-op activities): ${calls} in ${fmt(bareMs)} = ${bareRate.toFixed(0)} per minute`);

  // The pipeline: signed lifecycles of recorded 150 s calls from a known contact.
  const post = async (event: unknown) => {
    const body = JSON.stringify(event);
    const res = await fetch(`${stack.url}/webhooks/telnyx/voice`, { method: 'POST', body, headers: { 'content-type': 'application/json', ...signTelnyx(stack.keys.privateKey, body) } });
    if (res.status !== 200) throw new Error(`webhook answered ${res.status}`);
  };
  const lives = Array.from({ length: calls }, (_, i) =>
    callLifecycle({ from: phone(i), to: '+13125550199', answered: true, talkSeconds: 150, recordingUrl: `${remote.recordingBase}canned-${i % 2000}.mp3` }),
  );
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
  say(`full pipeline: ${calls} calls in ${fmt(pipelineMs)} = ${pipelineRate.toFixed(0)} per minute; ratio to bare ${(pipelineRate / bareRate).toFixed(2)}`);

  const rows = await stack.database.db.select().from(phoneRecords).where(inArray(phoneRecords.callSessionId, lives.map((l) => l.callSessionId)));
  const latencies = rows
    .map((r) => Date.parse((r.stageStatus as Record<string, { at: string }>).notify?.at ?? '') - (savedAt.get(r.callSessionId) ?? NaN))
    .filter((x) => Number.isFinite(x))
    .sort((a, b) => a - b);
  const allDone = rows.every((r) => Object.values(r.stageStatus as Record<string, { status: string }>).every((s) => s.status === 'done'));
  say(`under the burst, recording.saved -> notification: p50 ${fmt(percentile(latencies, 50))}, p95 ${fmt(percentile(latencies, 95))} (${latencies.length} calls, every stage done: ${allDone})`);
  // Latency of one call at a time (no queue in front of it): recording.saved to notification.
  const single: number[] = [];
  for (let i = 0; i < arg('latency-calls', 20); i++) {
    const life = callLifecycle({ from: phone(calls + i), to: '+13125550199', answered: true, talkSeconds: 150, recordingUrl: `${remote.recordingBase}canned-${(calls + i) % 2000}.mp3` });
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
  results.pipeline = { ms: pipelineMs, perMinute: pipelineRate, ratio: pipelineRate / bareRate, allStagesDone: allDone };
  results.burstLatency = { p50: percentile(latencies, 50), p95: percentile(latencies, 95), n: latencies.length };
  await mkdir('bench/results', { recursive: true });
  await writeFile('bench/results/pipeline.json', JSON.stringify(results, null, 2));
  say('wrote bench/results/pipeline.json');
} finally {
  await stack.stop();
  child.kill('SIGTERM');
}
