/**
 * `npm run bench:pipeline`: calls per minute through the whole pipeline on the embedded stack
 * with vendor fakes (their own process) that answer instantly with canned results, against bare
 * workflows on the same Temporal server in the same run: one of the call workflow's own shape (its
 * signals, local and ordinary activities, read off a pilot call's history, all no-ops) and the
 * earlier baseline of nine no-op activities; and the latency from `call.recording.saved` to the
 * notification. After a warm-up of both, the same-shape baseline and the pipeline run in alternating
 * rounds (`--rounds`, `--calls` each), and each reports CPU per call of this process, the Temporal
 * server and the fakes.
 * Telnyx's side of the webhooks (signing and posting) runs in the fakes' process too.
 * The offline engines' stage times are `npm run bench:offline` (bench/offline-stages.ts).
 * `--target cluster` runs the same on the production topology (`npm run cluster`).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from '@temporalio/worker';
import { inArray } from 'drizzle-orm';
import { callLifecycle } from '../activities/providers/telephony/fake.js';
import { contacts, phoneRecords } from '../db/schema/index.js';
import { callWorkflowId } from '../temporal.config.js';
import { spawn } from 'node:child_process';
import { cpuByKind, startClusterStack } from './cluster-stack.js';
import { startEmbeddedStack } from './embedded-stack.js';
import { arg, argString, cpuMs, fmt, percentile, say } from './lib.js';
import { callsStarted } from './ingress-load.js';

const calls = arg('calls', 100);
const rounds = arg('rounds', 3);
const warmup = arg('warmup', 20);
// The fakes the throughput run talks to live in their own process, as vendors do.
const child = spawn(
  process.execPath,
  ['--import', 'tsx', path.join(path.dirname(fileURLToPath(import.meta.url)), 'vendors-process.ts')],
  { stdio: ['ignore', 'pipe', 'inherit'] },
);
const remote = await new Promise<{ env: Record<string, string>; recordingBase: string; controlUrl: string }>(
  (resolve, reject) => {
    child.stdout.once('data', (d: Buffer) => resolve(JSON.parse(d.toString().split('\n')[0]!)));
    child.once('exit', (code) => reject(new Error(`vendor fakes exited with ${code}`)));
  },
);
// `--target cluster`: the production topology (npm run cluster: Temporal on PostgreSQL, 2 APIs, 2
// workers) instead of the embedded stack; the webhooks go to its first API, its workers run the
// calls, and "CPU here" is the load generator only (the app runs in the cluster's processes).
const target = argString('target') === 'cluster' ? 'cluster' : 'embedded';
const stack = target === 'cluster' ? await startClusterStack(remote.env) : await startEmbeddedStack(remote.env);
const results: Record<string, unknown> = { target, calls, rounds, warmup, at: new Date().toISOString() };
const resultsFile = `bench/results/${target === 'cluster' ? 'pipeline-cluster' : 'pipeline'}.json`;
try {
  // Calls come from many known people, as they do on a real line (each rescore reads one history).
  const phone = (i: number) => `+1212555${String(1000 + i).padStart(4, '0')}`;
  const latencyCalls = arg('latency-calls', 20);
  const callers = warmup + calls * rounds + latencyCalls + 1;
  await stack.database.db
    .insert(contacts)
    .values(
      Array.from({ length: callers }, (_, i) => ({ firstName: `Caller${i}`, lastName: 'Bench', phoneE164: phone(i) })),
    );
  // Telnyx's side (signing and posting each call's events in order) runs in the fakes' process.
  const key = stack.keys.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
  const play = async (lives: ReturnType<typeof callLifecycle>[]): Promise<Record<string, number>> => {
    const res = await fetch(`${remote.controlUrl}/play`, {
      method: 'POST',
      body: JSON.stringify({ target: `${stack.url}/webhooks/telnyx/voice`, key, lives }),
    });
    const out = (await res.json()) as { savedAt?: Record<string, number>; error?: string };
    if (!res.ok || !out.savedAt) throw new Error(`playing the calls failed: ${out.error ?? res.status}`);
    return out.savedAt;
  };
  const lifeOf = (i: number) =>
    callLifecycle({
      from: phone(i),
      to: '+13125550199',
      answered: true,
      talkSeconds: 150,
      recordingUrl: `${remote.recordingBase}canned-${i % 2000}.mp3`,
    });

  // A pilot call, to read the call workflow's shape off its history: events signalled, local and
  // ordinary activities, workflow tasks.
  const pilot = lifeOf(callers - 1);
  await play([pilot]);
  await callsStarted(stack.client, [pilot.callSessionId], 600_000);
  const pilotHandle = stack.client.workflow.getHandle(callWorkflowId(pilot.callSessionId));
  await pilotHandle.result();
  const events = (await pilotHandle.fetchHistory()).events ?? [];
  const shape = {
    signals: events.filter((e) => e.workflowExecutionSignaledEventAttributes).length,
    local: events.filter((e) => e.markerRecordedEventAttributes?.markerName === 'core_local_activity').length,
    regular: events.filter((e) => e.activityTaskScheduledEventAttributes).length,
    upserts: events.filter((e) => e.upsertWorkflowSearchAttributesEventAttributes).length,
    // Each ordinary activity's timeouts: a heartbeat timeout is a timer the server keeps.
    timeouts: events.flatMap((e) => {
      const a = e.activityTaskScheduledEventAttributes;
      if (!a) return [];
      const ms = (d: { seconds?: unknown; nanos?: number | null } | null | undefined) =>
        d ? Number(d.seconds ?? 0) * 1000 + Math.round((d.nanos ?? 0) / 1e6) : undefined;
      return [{ startToCloseMs: ms(a.startToCloseTimeout), heartbeatMs: ms(a.heartbeatTimeout) || undefined }];
    }),
  };
  const workflowTasks = events.filter((e) => e.workflowTaskCompletedEventAttributes).length;
  const heartbeats = shape.timeouts.filter((t) => t.heartbeatMs).length;
  say(
    `the call workflow's shape: ${shape.signals} signals, ${shape.local} local and ${shape.regular} ordinary activities (${heartbeats} with a heartbeat timeout), ${shape.upserts} search-attribute upserts, ${workflowTasks} workflow tasks`,
  );
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
    // The cluster's clients encrypt history: the baseline's worker must read what they send.
    ...('dataConverter' in stack ? { dataConverter: stack.dataConverter } : {}),
  });
  const bareRun = bareWorker.run();

  // Each workload is timed as wall clock and as CPU per call of the three processes involved: this
  // one (API, worker, PGlite), the Temporal server and the vendor fakes.
  // On the cluster, also every process of the topology by kind (APIs, workers, both PostgreSQL
  // servers and their backends): where the rest of a call's CPU goes.
  const kinds = async (): Promise<Record<string, number>> => ('dataDir' in stack ? cpuByKind(stack.dataDir) : {});
  const timed = async (n: number, work: () => Promise<unknown>) => {
    const kinds0 = await kinds();
    const cpu0 = cpuMs({ temporal: stack.temporalPid, vendors: child.pid });
    const started = performance.now();
    await work();
    const ms = performance.now() - started;
    const cpu1 = cpuMs({ temporal: stack.temporalPid, vendors: child.pid });
    const kinds1 = await kinds();
    const perCall = (k: string) => (cpu0[k] == null || cpu1[k] == null ? null : (cpu1[k]! - cpu0[k]!) / n);
    return {
      n,
      ms,
      perMinute: (n / ms) * 60_000,
      cpuPerCallMs: { app: perCall('self'), temporal: perCall('temporal'), vendors: perCall('vendors') },
      // Ticks of 10 ms.
      clusterCpuPerCallMs: Object.fromEntries(
        Object.entries(kinds1).map(([k, v]) => [k, ((v - (kinds0[k] ?? 0)) * 10) / n]),
      ) as Record<string, number>,
    };
  };
  type Timed = Awaited<ReturnType<typeof timed>>;
  const sum = (parts: Timed[]): Timed => {
    const n = parts.reduce((a, p) => a + p.n, 0);
    const ms = parts.reduce((a, p) => a + p.ms, 0);
    const cpu = (k: keyof Timed['cpuPerCallMs']) =>
      parts.some((p) => p.cpuPerCallMs[k] === null)
        ? null
        : parts.reduce((a, p) => a + p.cpuPerCallMs[k]! * p.n, 0) / n;
    const kindNames = [...new Set(parts.flatMap((p) => Object.keys(p.clusterCpuPerCallMs)))];
    return {
      n,
      ms,
      perMinute: (n / ms) * 60_000,
      cpuPerCallMs: { app: cpu('app'), temporal: cpu('temporal'), vendors: cpu('vendors') },
      clusterCpuPerCallMs: Object.fromEntries(
        kindNames.map((k) => [k, parts.reduce((a, p) => a + (p.clusterCpuPerCallMs[k] ?? 0) * p.n, 0) / n]),
      ),
    };
  };
  const cpuText = (t: Timed) => {
    const c = t.cpuPerCallMs;
    return c.app === null
      ? ''
      : `; CPU per call: ${c.app.toFixed(0)} ms here, ${c.temporal?.toFixed(0) ?? '?'} ms Temporal, ${c.vendors?.toFixed(0) ?? '?'} ms fakes${
          Object.keys(t.clusterCpuPerCallMs).length
            ? `; by process kind: ${Object.entries(t.clusterCpuPerCallMs)
                .filter(([, ms]) => ms >= 0.5)
                .map(([k, ms]) => `${k} ${ms.toFixed(0)} ms`)
                .join(', ')}`
            : ''
        }`;
  };

  const bare = await timed(calls, () =>
    Promise.all(
      Array.from({ length: calls }, (_, i) =>
        stack.client.workflow.execute('bareCallShapeWorkflow', {
          taskQueue: bareQueue,
          workflowId: `bare-${i}-${randomUUID()}`,
        }),
      ),
    ),
  );
  say(
    `bare workflow (9 no-op activities, started directly): ${calls} in ${fmt(bare.ms)} = ${bare.perMinute.toFixed(0)} per minute${cpuText(bare)}`,
  );
  // The same shape, its events signalled with signalWithStart one after another, as the webhooks
  // do; with the search-attribute upserts the Temporal UI needs, and once without them.
  const sameShape = (n: number, upserts: number) =>
    Promise.all(
      Array.from({ length: n }, async (_, i) => {
        const workflowId = `shape-${i}-${randomUUID()}`;
        for (let k = 0; k < shape.signals; k++) {
          await stack.client.workflow.signalWithStart('sameShapeWorkflow', {
            taskQueue: bareQueue,
            workflowId,
            args: [{ ...shape, upserts }],
            signal: 'callEvent',
            signalArgs: [{ k }],
          });
        }
        await stack.client.workflow.getHandle(workflowId).result();
      }),
    );
  const shapeNoUpserts = await timed(calls, () => sameShape(calls, 0));
  say(
    `bare workflow of the same shape without its upserts: ${calls} in ${fmt(shapeNoUpserts.ms)} = ${shapeNoUpserts.perMinute.toFixed(0)} per minute${cpuText(shapeNoUpserts)}`,
  );

  // The pipeline: signed lifecycles of recorded 150 s calls from known contacts, all at once.
  let nextCaller = 0;
  const savedAt = new Map<string, number>();
  const pipelineBurst = async (n: number) => {
    const lives = Array.from({ length: n }, () => lifeOf(nextCaller++));
    for (const [id, at] of Object.entries(await play(lives))) savedAt.set(id, at);
    await callsStarted(
      stack.client,
      lives.map((life) => life.callSessionId),
      600_000,
    );
    await Promise.all(
      lives.map((life) => stack.client.workflow.getHandle(callWorkflowId(life.callSessionId)).result()),
    );
    return lives;
  };
  // Both sides warm up first (JIT, connections, caches), then run in alternating rounds, so drift
  // on a shared machine falls on both alike.
  await sameShape(warmup, shape.upserts);
  await pipelineBurst(warmup);
  const shapeRounds: Timed[] = [];
  const pipelineRounds: Timed[] = [];
  const lives: { callSessionId: string }[] = [];
  for (let r = 0; r < rounds; r++) {
    const s = await timed(calls, () => sameShape(calls, shape.upserts));
    shapeRounds.push(s);
    savedAt.clear();
    const p = await timed(calls, async () => lives.push(...(await pipelineBurst(calls))));
    pipelineRounds.push(p);
    say(
      `round ${r + 1}/${rounds}: same shape ${s.perMinute.toFixed(0)} per minute, full pipeline ${p.perMinute.toFixed(0)} per minute (ratio ${(p.perMinute / s.perMinute).toFixed(2)})`,
    );
  }
  bareWorker.shutdown();
  await bareRun;
  await native.close();
  const shapeFull = sum(shapeRounds);
  const pipeline = sum(pipelineRounds);
  say(
    `bare workflow of the same shape: ${shapeFull.n} in ${fmt(shapeFull.ms)} = ${shapeFull.perMinute.toFixed(0)} per minute${cpuText(shapeFull)}`,
  );
  say(
    `full pipeline: ${pipeline.n} calls in ${fmt(pipeline.ms)} = ${pipeline.perMinute.toFixed(0)} per minute${cpuText(pipeline)}`,
  );
  say(
    `ratio to the same shape ${(pipeline.perMinute / shapeFull.perMinute).toFixed(2)} (${(pipeline.perMinute / shapeNoUpserts.perMinute).toFixed(2)} to it without its upserts, ${(pipeline.perMinute / bare.perMinute).toFixed(2)} to nine no-op activities)`,
  );

  const rows = await stack.database.db
    .select()
    .from(phoneRecords)
    .where(
      inArray(
        phoneRecords.callSessionId,
        lives.map((l) => l.callSessionId),
      ),
    );
  // recording.saved -> notification inside the last round's burst
  const latencies = rows
    .map(
      (r) =>
        Date.parse((r.stageStatus as Record<string, { at: string }>).notify?.at ?? '') -
        (savedAt.get(r.callSessionId) ?? NaN),
    )
    .filter((x) => Number.isFinite(x))
    .sort((a, b) => a - b);
  const allDone = rows.every((r) =>
    Object.values(r.stageStatus as Record<string, { status: string }>).every((s) => s.status === 'done'),
  );
  say(
    `under the burst, recording.saved -> notification: p50 ${fmt(percentile(latencies, 50))}, p95 ${fmt(percentile(latencies, 95))} (${latencies.length} calls, every stage done: ${allDone})`,
  );
  // Latency of one call at a time (no queue in front of it): recording.saved to notification.
  const single: number[] = [];
  for (let i = 0; i < latencyCalls; i++) {
    const life = lifeOf(nextCaller++);
    const saved = (await play([life]))[life.callSessionId]!;
    await callsStarted(stack.client, [life.callSessionId], 600_000);
    await stack.client.workflow.getHandle(callWorkflowId(life.callSessionId)).result();
    const [row] = await stack.database.db
      .select()
      .from(phoneRecords)
      .where(inArray(phoneRecords.callSessionId, [life.callSessionId]));
    single.push(Date.parse((row!.stageStatus as Record<string, { at: string }>).notify!.at) - saved);
  }
  single.sort((a, b) => a - b);
  say(
    `one call at a time, recording.saved -> notification: p50 ${fmt(percentile(single, 50))}, p95 ${fmt(percentile(single, 95))} (${single.length} calls)`,
  );
  results.singleCallLatency = { p50: percentile(single, 50), p95: percentile(single, 95), n: single.length };
  results.bare = bare;
  results.sameShape = { ...shapeFull, rounds: shapeRounds.map((r) => r.perMinute) };
  results.sameShapeWithoutUpserts = shapeNoUpserts;
  results.pipeline = {
    ...pipeline,
    rounds: pipelineRounds.map((r) => r.perMinute),
    ratioToSameShape: pipeline.perMinute / shapeFull.perMinute,
    ratioToSameShapeWithoutUpserts: pipeline.perMinute / shapeNoUpserts.perMinute,
    ratioToNineNoops: pipeline.perMinute / bare.perMinute,
    allStagesDone: allDone,
  };
  results.burstLatency = { p50: percentile(latencies, 50), p95: percentile(latencies, 95), n: latencies.length };
  await mkdir('bench/results', { recursive: true });
  await writeFile(resultsFile, JSON.stringify(results, null, 2));
  say(`wrote ${resultsFile}`);
} finally {
  await stack.stop();
  child.kill('SIGTERM');
}
