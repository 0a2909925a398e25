/**
 * A worker killed (SIGKILL) in the middle of a call's pipeline: a second worker process finishes
 * the call, and nothing is done twice. Runs on native PostgreSQL, since two processes share it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callLifecycle } from '../activities/providers/telephony/fake.js';
import { openDatabase, type DatabaseHandle } from '../db/client.js';
import { contacts, embeddings, notifications, phoneRecords, tasks } from '../db/schema/index.js';
import { callWorkflowId } from '../temporal.config.js';
import { freshPostgresUrl, need, postSigned, silentLog, startStack, type Stack } from '../test/stack.js';
import { startVendors, type Vendors } from '../activities/providers/fakes/vendor-set.js';
import { scratchPath } from '../test/scratch.js';

let vendors: Vendors;
let stack: Stack;
let url: string;
let database: DatabaseHandle;
const children: ChildProcess[] = [];

/** The production worker entry point (`npm run worker`) as its own process. */
function startWorkerProcess(taskQueue: string): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', 'worker/main.ts'], {
    env: {
      ...process.env,
      ...vendors.env,
      DATABASE_URL: url,
      TEMPORAL_ADDRESS: need('TEST_TEMPORAL_ADDRESS'),
      TEMPORAL_TASK_QUEUE: taskQueue,
      TEMPORAL_CODEC_KEYS: stack.codecKeys,
      RECORDING_HOSTS: '127.0.0.1,localhost',
      LOG_LEVEL: 'error',
      DATA_DIR: scratchPath('crash'),
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  children.push(child);
  return child;
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 90_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

beforeAll(async () => {
  vendors = await startVendors();
  url = await freshPostgresUrl();
  // The in-process stack serves webhooks; its own worker polls another queue, so only the
  // child processes run this test's workflows.
  stack = await startStack({ env: vendors.env, db: 'postgres' });
  database = await openDatabase({ url, poolSize: 2 });
});
const relays: { stop(): Promise<void> }[] = [];
afterAll(async () => {
  for (const r of relays) await r.stop();
  for (const c of children) c.kill('SIGKILL');
  await stack?.stop();
  await database?.close();
  await vendors?.close();
});

describe('worker crash mid-pipeline', () => {
  it('finishes the call on another worker with no duplicate tasks, passages or notifications', async () => {
    const taskQueue = `crash-${randomUUID()}`;
    const gateway = (await import('../temporal/gateway.js')).createWorkflowGateway(stack.client, taskQueue);
    const { createApp } = await import('../api/app.js');
    const { createInboxRelay } = await import('../api/webhooks/telnyx/relay.js');
    // This test's database, so its own inbox and relay.
    const relay = createInboxRelay({ db: database.db, gateway, log: silentLog }, { pollMs: 100 });
    relay.start();
    relays.push(relay);
    const app = createApp({ ...stack.appDeps, database, gateway, relay });
    await database.db.insert(contacts).values({ firstName: 'Grace', lastName: 'Hopper', phoneE164: '+14155550111' });

    const audio = Buffer.from(`ID3 crash test ${randomUUID()}`);
    vendors.deepgram.speak(audio, [
      { channel: 0, text: 'Hi, it is Grace. Please send me the compiler notes by Monday.' },
      { channel: 1, text: 'Will do, I will send them over the weekend.' },
    ]);
    const { callSessionId, events } = callLifecycle({
      from: '+14155550111',
      to: '+13125550199',
      answered: true,
      talkSeconds: 200,
      recordingUrl: vendors.telnyx.hostRecording(`crash-${randomUUID()}.mp3`, audio),
    });
    // The summary call hangs, so the first worker is mid-pipeline when it dies.
    vendors.anthropic.failNext({ kind: 'slow', delayMs: 120_000 });

    const first = startWorkerProcess(taskQueue);
    for (const e of events)
      expect((await postSigned(app, stack.keys.privateKey, '/webhooks/telnyx/voice', e)).status).toBe(200);
    const record = await until('the summary stage to start', async () => {
      const [r] = await database.db.select().from(phoneRecords).where(eq(phoneRecords.callSessionId, callSessionId));
      return (r?.stageStatus as Record<string, { status: string }> | undefined)?.summarize?.status === 'running'
        ? r
        : undefined;
    });
    first.kill('SIGKILL');
    await new Promise((r) => first.once('exit', r));

    startWorkerProcess(taskQueue);
    const result = (await stack.client.workflow.getHandle(callWorkflowId(callSessionId)).result()) as {
      stages: Record<string, string>;
    };
    expect(result.stages).toMatchObject({
      record: 'done',
      transcribe: 'done',
      summarize: 'done',
      sentiment: 'done',
      embed: 'done',
      notify: 'done',
    });

    const made = await database.db.select().from(tasks).where(eq(tasks.phoneRecordId, record.id));
    const keys = made.map((t) => t.sourceKey);
    expect(made.length).toBeGreaterThan(0);
    expect(new Set(keys).size).toBe(keys.length);
    const passages = await database.db.select().from(embeddings).where(eq(embeddings.sourceId, record.id));
    expect(new Set(passages.map((p) => `${p.kind}:${p.chunkIndex}`)).size).toBe(passages.length);
    const sent = await database.db.select().from(notifications).where(eq(notifications.phoneRecordId, record.id));
    const pairs = sent.map((x) => `${x.rule}/${x.channel}`);
    expect(new Set(pairs).size).toBe(pairs.length);
    expect(pairs).toEqual(expect.arrayContaining(['long_call/inbox', 'long_call/webhook']));
    expect(vendors.deepgram.requests.filter((q) => q.body.equals(audio))).toHaveLength(1);
  }, 180_000);
});
