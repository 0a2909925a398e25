/**
 * The call pipeline end to end on a real Temporal dev server: signed webhooks in (through the
 * fake Telnyx), the official vendor SDKs against their fakes, rows out.
 */
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callLifecycle } from '../activities/providers/telephony/fake.js';
import { contacts, embeddings, notifications, phoneRecords, relationshipScores, tasks } from '../db/schema/index.js';
import { callWorkflowId } from '../temporal.config.js';
import { postSigned, startStack, type Stack } from '../test/stack.js';
import { startVendors, type Vendors } from '../activities/providers/fakes/vendor-set.js';
import { Worker } from '@temporalio/worker';
import { workflowsPath } from '../worker/worker.js';
import { dataConverterFor, EncryptionCodec, parseCodecKeys } from '../temporal/codec.js';

let stack: Stack;
let vendors: Vendors;
let n = 0;

const send = async (event: unknown) =>
  expect((await postSigned(stack.app, stack.keys.privateKey, '/webhooks/telnyx/voice', event)).status).toBe(200);
const shuffle = <T>(xs: T[]) =>
  xs
    .map((x) => ({ x, k: Math.random() }))
    .sort((a, b) => a.k - b.k)
    .map(({ x }) => x);

/** A recorded call whose audio the fake Deepgram "hears" as these lines. */
function recordedCall(from: string, lines: { channel: number; text: string }[], talkSeconds = 150) {
  const audio = Buffer.from(`ID3 fake mp3 ${n++} ${lines.map((l) => l.text).join('|')}`);
  vendors.deepgram.speak(audio, lines);
  const url = vendors.telnyx.hostRecording(`rec-${n}.mp3`, audio, 'audio/mpeg');
  return { ...callLifecycle({ from, to: '+13125550199', answered: true, talkSeconds, recordingUrl: url }), audio };
}
const recordFor = async (session: string) =>
  (await stack.database.db.select().from(phoneRecords).where(eq(phoneRecords.callSessionId, session)))[0]!;
const finish = async (session: string) =>
  (await stack.delivered()).workflow.getHandle(callWorkflowId(session)).result();

beforeAll(async () => {
  vendors = await startVendors();
  stack = await startStack({ env: vendors.env });
  await stack.database.db
    .insert(contacts)
    .values({ firstName: 'Ada', lastName: 'Lovelace', phoneE164: '+12125550100' });
});
afterAll(async () => {
  await stack?.stop();
  await vendors?.close();
});

describe('call pipeline with vendor fakes', () => {
  it('turns duplicated, shuffled webhooks into one call with transcript, summary, tasks, sentiment, embeddings, score and notifications', async () => {
    const call = recordedCall('+12125550100', [
      { channel: 0, text: 'Hi, it is Ada. I loved the demo yesterday, it was great.' },
      { channel: 1, text: 'Thank you, glad it went well.' },
      { channel: 0, text: 'Can you send me the contract by Friday? I will review it over the weekend.' },
      { channel: 1, text: 'Sure, I will send the contract tomorrow.' },
    ]);
    const hooksBefore = vendors.hook.requests.length;
    const events = shuffle([...call.events, ...call.events, call.events[0]!]);
    await Promise.all(events.map(send));
    const result = (await finish(call.callSessionId)) as { status: string; stages: Record<string, string> };
    expect(result.status).toBe('completed');
    expect(result.stages).toMatchObject({
      record: 'done',
      transcribe: 'done',
      summarize: 'done',
      sentiment: 'done',
      embed: 'done',
      rescore: 'done',
      notify: 'done',
    });

    const db = stack.database.db;
    expect(
      (await db.select().from(phoneRecords).where(eq(phoneRecords.callSessionId, call.callSessionId))).length,
    ).toBe(1);
    const r = await recordFor(call.callSessionId);
    expect(r).toMatchObject({
      status: 'completed',
      durationSeconds: 150,
      transcriptProvider: 'deepgram',
      transcriptModel: 'nova-3',
      summaryProvider: 'anthropic',
      sentimentProvider: 'anthropic',
      recordingChannels: 2,
    });
    expect(r.transcript).toContain('contract by Friday');
    expect((r.speakerSegments as { speaker: string }[]).map((s) => s.speaker)).toEqual([
      'caller',
      'owner',
      'caller',
      'owner',
    ]);
    expect(r.summary).toBeTruthy();
    expect(r.sentiment).toBe('positive');
    const made = await db.select().from(tasks).where(eq(tasks.phoneRecordId, r.id));
    expect(made.length).toBeGreaterThan(0);
    expect(made.every((t) => t.contactId === r.contactId && t.source === 'action_item')).toBe(true);
    const passages = await db
      .select()
      .from(embeddings)
      .where(and(eq(embeddings.sourceType, 'call'), eq(embeddings.sourceId, r.id)));
    expect(passages.length).toBeGreaterThanOrEqual(2);
    expect(new Set(passages.map((p) => p.model))).toEqual(new Set(['text-embedding-3-small']));
    const [ada] = await db.select().from(contacts).where(eq(contacts.id, r.contactId!));
    expect(ada!.relationshipScore).toBeGreaterThan(0);
    const sent = await db.select().from(notifications).where(eq(notifications.phoneRecordId, r.id));
    // Longer than two minutes, and "by Friday" is an action item due soon: each rule once per channel.
    expect(sent.map((x) => `${x.rule}/${x.channel}`).sort()).toEqual([
      'action_items_due_soon/inbox',
      'action_items_due_soon/webhook',
      'long_call/inbox',
      'long_call/webhook',
    ]);
    expect(sent.every((x) => x.status === 'sent')).toBe(true);
    expect(vendors.hook.requests.length - hooksBefore).toBe(2);
    expect(JSON.parse(vendors.hook.requests.at(-1)!.body.toString())).toHaveProperty('text');
    // Each vendor was asked once per stage, whatever Telnyx repeated.
    expect(vendors.deepgram.requests.filter((q) => q.body.equals(call.audio))).toHaveLength(1);
    const ccid = ((call.events[0]!.data as Record<string, unknown>).payload as { call_control_id: string })
      .call_control_id;
    const commands = vendors.telnyx.requests
      .filter((q) => q.path.includes(encodeURIComponent(ccid)) || q.path.includes(ccid))
      .map((q) => q.path.split('/').pop());
    // The hangup may be seen before the answer is due (all events arrive at once): never twice.
    expect(commands.filter((c) => c === 'answer').length).toBeLessThanOrEqual(1);
  });

  it('scores and notifies the caller when the event that names them arrives after the pipeline began', async () => {
    await stack.database.db
      .insert(contacts)
      .values({ firstName: 'Grace', lastName: 'Hopper', phoneE164: '+12125550177' });
    const call = recordedCall('+12125550177', [
      { channel: 0, text: 'Grace here, about the compiler talk next week. Can you send me the slides by Friday?' },
      { channel: 1, text: 'Great, see you then.' },
    ]);
    const [initiated, ...rest] = call.events;
    for (const e of rest) await send(e);
    // Only call.initiated carries the direction, so until it comes the caller is unknown: the
    // pipeline makes the call's tasks and passages for nobody first.
    const deadline = Date.now() + 20_000;
    while (!(await recordFor(call.callSessionId).catch(() => undefined))?.stageStatus?.embed && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 100));
    expect((await recordFor(call.callSessionId)).contactId).toBeNull();
    await send(initiated);
    const result = (await finish(call.callSessionId)) as { stages: Record<string, string> };
    expect(result.stages).toMatchObject({ transcribe: 'done', rescore: 'done', notify: 'done' });
    const r = await recordFor(call.callSessionId);
    const [grace] = await stack.database.db.select().from(contacts).where(eq(contacts.phoneE164, '+12125550177'));
    expect(r.contactId).toBe(grace!.id);
    expect(grace!.relationshipScore).toBeGreaterThan(0);
    // The audio stages did not run again.
    expect(vendors.deepgram.requests.filter((q) => q.body.equals(call.audio))).toHaveLength(1);
    // What the pipeline made before the caller was named is hers now.
    const made = await stack.database.db.select().from(tasks).where(eq(tasks.phoneRecordId, r.id));
    expect(made.length).toBeGreaterThan(0);
    expect(made.map((t) => t.contactId)).toEqual(made.map(() => grace!.id));
    const passages = await stack.database.db
      .select()
      .from(embeddings)
      .where(and(eq(embeddings.sourceType, 'call'), eq(embeddings.sourceId, r.id)));
    expect(passages.length).toBeGreaterThan(0);
    expect(passages.every((p) => p.contactId === grace!.id)).toBe(true);
    // The owner's inbox names her, though the first pass told it about an unknown number.
    const told = await stack.database.db
      .select()
      .from(notifications)
      .where(and(eq(notifications.phoneRecordId, r.id), eq(notifications.channel, 'inbox')));
    expect(told.length).toBeGreaterThan(0);
    expect(told.map((t) => t.title.includes('Grace Hopper'))).toEqual(told.map(() => true));
  });

  it('names the caller in the webhook too when the event that names them arrives while the audio stages run', async () => {
    await stack.database.db
      .insert(contacts)
      .values({ firstName: 'Katherine', lastName: 'Johnson', phoneE164: '+12125550188' });
    const call = recordedCall('+12125550188', [
      { channel: 0, text: 'Katherine here. The launch window moved and I am not happy about the delay at all.' },
      { channel: 1, text: 'I understand, I will look into it.' },
    ]);
    const [initiated, ...rest] = call.events;
    // Transcription takes 4 s: call.initiated arrives while it runs.
    vendors.deepgram.failNext({ kind: 'slow', delayMs: 4_000 });
    for (const e of rest) await send(e);
    const deadline = Date.now() + 20_000;
    while (
      (await recordFor(call.callSessionId).catch(() => undefined))?.stageStatus?.transcribe?.status !== 'running' &&
      Date.now() < deadline
    )
      await new Promise((r) => setTimeout(r, 50));
    expect((await recordFor(call.callSessionId)).stageStatus.notify).toBeUndefined();
    await send(initiated);
    const result = (await finish(call.callSessionId)) as { stages: Record<string, string> };
    expect(result.stages).toMatchObject({ transcribe: 'done', rescore: 'done', notify: 'done' });
    const r = await recordFor(call.callSessionId);
    const posts = vendors.hook.requests
      .map((q) => JSON.parse(q.body.toString()) as { phoneRecordId?: string; text: string })
      .filter((b) => b.phoneRecordId === r.id);
    // What was sent out, once, names her: she was stored before she was told about.
    expect(posts.length).toBeGreaterThan(0);
    expect(posts.map((b) => b.text.includes('Katherine Johnson'))).toEqual(posts.map(() => true));
    // The new step replays from the run's own history.
    const workflowId = callWorkflowId(call.callSessionId);
    const history = await (await stack.delivered()).workflow.getHandle(workflowId).fetchHistory();
    const dataConverter = dataConverterFor(new EncryptionCodec(parseCodecKeys(stack.codecKeys)));
    await Worker.runReplayHistory({ workflowsPath, dataConverter }, history, workflowId);
  });

  it('retries a vendor outage (500, then 429 with Retry-After) and succeeds', async () => {
    vendors.deepgram.failNext({ kind: 'status', status: 500 }, { kind: 'status', status: 429, retryAfterSeconds: 1 });
    const before = vendors.deepgram.requests.length;
    const call = recordedCall(
      '+12125550100',
      [
        { channel: 0, text: 'Quick question about the invoice from March.' },
        { channel: 1, text: 'I will check and call you back.' },
      ],
      30,
    );
    for (const e of call.events) await send(e);
    const result = (await finish(call.callSessionId)) as { stages: Record<string, string> };
    expect(result.stages.transcribe).toBe('done');
    expect(vendors.deepgram.requests.length - before).toBe(3);
    expect((await recordFor(call.callSessionId)).transcript).toContain('invoice from March');
  });

  it('does not retry a malformed vendor reply: the stage fails, the independent stages still run', async () => {
    vendors.anthropic.failNext({ kind: 'malformed' });
    const before = vendors.anthropic.requests.length;
    const call = recordedCall(
      '+14155550123',
      [{ channel: 0, text: 'Hello, I am calling about the apartment listing on Main Street.' }],
      40,
    );
    for (const e of call.events) await send(e);
    const result = (await finish(call.callSessionId)) as { stages: Record<string, string> };
    expect(result.stages).toMatchObject({
      transcribe: 'done',
      summarize: 'failed',
      sentiment: 'done',
      embed: 'done',
      notify: 'done',
    });
    const r = await recordFor(call.callSessionId);
    expect((r.stageStatus as Record<string, { status: string; error?: string }>).summarize).toMatchObject({
      status: 'failed',
    });
    // one malformed summary attempt, then one sentiment call: no retry of the malformed reply
    expect(vendors.anthropic.requests.length - before).toBe(2);
    expect((await stack.database.db.select().from(tasks).where(eq(tasks.phoneRecordId, r.id))).length).toBe(0);
  });

  it('takes the short path for a missed call from a known contact: no transcription, score and notification', async () => {
    const { callSessionId, events } = callLifecycle({ from: '+12125550100', to: '+13125550199', answered: false });
    for (const e of shuffle(events)) await send(e);
    const result = (await finish(callSessionId)) as { status: string; stages: Record<string, string> };
    expect(result.status).toBe('missed');
    expect(result.stages).toMatchObject({ record: 'skipped', transcribe: 'skipped', rescore: 'done', notify: 'done' });
    const r = await recordFor(callSessionId);
    const rules = await stack.database.db.select().from(notifications).where(eq(notifications.phoneRecordId, r.id));
    expect(rules.map((x) => x.rule)).toContain('missed_known_contact');
    const history = await stack.database.db
      .select()
      .from(relationshipScores)
      .where(eq(relationshipScores.contactId, r.contactId!));
    expect(history.length).toBeGreaterThanOrEqual(2);
  });
});
