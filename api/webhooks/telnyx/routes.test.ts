import { randomUUID } from 'node:crypto';
import { Client } from '@temporalio/client';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  callLifecycle,
  signTelnyx,
  smsReceived,
  startFakeTelnyx,
  type FakeTelnyx,
} from '../../../activities/providers/telephony/fake.js';
import { contacts, messages, notifications, phoneRecords, tasks, voiceSessions } from '../../../db/schema/index.js';
import { recordReceptionistMessage } from '../../../db/queries/voice.js';
import { callWorkflowId, messageWorkflowId } from '../../../temporal.config.js';
import { startStack, type Stack } from '../../../test/stack.js';
import { registry } from '../../../platform/metrics.js';

let stack: Stack;
let fake: FakeTelnyx;

const post = async (
  path: string,
  body: string,
  headers: Record<string, string>,
  contentType = 'application/json',
): Promise<Response> =>
  stack.app.request(path, { method: 'POST', body, headers: { 'content-type': contentType, ...headers } });
const signed = (path: string, obj: unknown): Promise<Response> => {
  const body = JSON.stringify(obj);
  return post(path, body, signTelnyx(stack.keys.privateKey, body));
};
const signedForm = (path: string, fields: Record<string, string>) => {
  const body = new URLSearchParams(fields).toString();
  return post(path, body, signTelnyx(stack.keys.privateKey, body), 'application/x-www-form-urlencoded');
};
const shuffle = <T>(xs: T[]) =>
  xs
    .map((x) => ({ x, k: Math.random() }))
    .sort((a, b) => a.k - b.k)
    .map(({ x }) => x);
const countRecords = async (sessionId: string) =>
  (await stack.database.db.select().from(phoneRecords).where(eq(phoneRecords.callSessionId, sessionId))).length;

beforeAll(async () => {
  fake = await startFakeTelnyx();
  stack = await startStack({ env: { TELNYX_API_KEY: 'KEYtest', TELNYX_BASE_URL: fake.baseUrl } });
  await stack.database.db
    .insert(contacts)
    .values({ firstName: 'Ada', lastName: 'Lovelace', phoneE164: '+12125550100' });
});
afterAll(async () => {
  await stack?.stop();
  await fake?.close();
});

describe('Telnyx webhooks', () => {
  it('acknowledges a replayed signed request (on any path) without delivering it again', async () => {
    const fields = {
      CallSid: `CA${Date.now()}`,
      CallSessionId: randomUUID(),
      From: '+12125550177',
      To: '+13125550199',
      CallStatus: 'completed',
      Direction: 'inbound',
    };
    const body = new URLSearchParams(fields).toString();
    const headers = signTelnyx(stack.keys.privateKey, body);
    const first = await post('/webhooks/telnyx/status', body, headers, 'application/x-www-form-urlencoded');
    expect(first.status).toBe(200);
    expect(await first.json()).not.toHaveProperty('duplicate');
    for (const path of ['/webhooks/telnyx/status', '/webhooks/telnyx/recording', '/webhooks/telnyx/voice/hangup']) {
      const replay = await post(path, body, headers, 'application/x-www-form-urlencoded');
      expect(replay.status).toBe(200);
      expect(await replay.json()).toEqual({ received: true, duplicate: true });
    }
    // The same signature re-encoded is not a new request: refused, nothing delivered.
    const sig = headers['telnyx-signature-ed25519']!;
    for (const encoded of [sig.replace(/=+$/, ''), sig.replace(/\+/g, '-').replace(/\//g, '_')]) {
      if (encoded === sig) continue;
      const replay = await post(
        '/webhooks/telnyx/status',
        body,
        { ...headers, 'telnyx-signature-ed25519': encoded },
        'application/x-www-form-urlencoded',
      );
      expect(replay.status).toBe(401);
    }
  });

  it('rejects unsigned, tampered and stale requests with 401 and writes nothing', async () => {
    const { callSessionId, events } = callLifecycle({ from: '+12125550100', to: '+13125550199', answered: false });
    const body = JSON.stringify(events[0]);
    expect((await post('/webhooks/telnyx/voice', body, {})).status).toBe(401);
    const h = signTelnyx(stack.keys.privateKey, body);
    expect((await post('/webhooks/telnyx/voice', body.replace('incoming', 'outgoing'), h)).status).toBe(401);
    expect(
      (
        await post(
          '/webhooks/telnyx/voice',
          body,
          signTelnyx(stack.keys.privateKey, body, Math.floor(Date.now() / 1000) - 400),
        )
      ).status,
    ).toBe(401);
    const handle = (await stack.delivered()).workflow.getHandle(callWorkflowId(callSessionId));
    await expect(handle.describe()).rejects.toThrow();
    expect(await countRecords(callSessionId)).toBe(0);
  });

  it('answers 413 for oversized bodies and 400 for malformed ones behind a valid signature', async () => {
    const big = JSON.stringify({ pad: 'x'.repeat(300 * 1024) });
    expect((await post('/webhooks/telnyx/voice', big, signTelnyx(stack.keys.privateKey, big))).status).toBe(413);
    const res = await signed('/webhooks/telnyx/voice', {
      data: { event_type: 'call.hangup', id: 'e1', occurred_at: 'yesterday', payload: {} },
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('malformed_payload');
    const notJson = 'not json';
    expect((await post('/webhooks/telnyx/voice', notJson, signTelnyx(stack.keys.privateKey, notJson))).status).toBe(
      400,
    );
  });

  it('acknowledges unknown event types with 200 and ignores them', async () => {
    const res = await signed('/webhooks/telnyx/voice', {
      data: {
        event_type: 'call.dtmf.received',
        id: 'e2',
        occurred_at: new Date().toISOString(),
        payload: { call_session_id: 's' },
      },
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ ignored: 'call.dtmf.received' });
  });

  it('stores an event ahead of background queries waiting for the embedded database', async () => {
    // PGlite is one session: the worker's queries queue for it. A webhook must not wait behind them.
    const slow = sql`select count(*) from generate_series(1, 200000)`;
    let finished = 0;
    const background = Array.from({ length: 20 }, () => stack.database.db.execute(slow).then(() => finished++));
    const { events } = callLifecycle({ from: '+12125550123', to: '+13125550199', answered: false });
    const res = await signed('/webhooks/telnyx/voice', events[0]);
    expect(res.status).toBe(200);
    const finishedWhenStored = finished;
    await Promise.all(background);
    expect(finishedWhenStored).toBeLessThan(3); // at most the query running when it arrived
  });

  it('turns a duplicated, shuffled answered call into exactly one completed record and one run', async () => {
    const audio = new Uint8Array(4096).fill(7);
    const url = fake.hostRecording('r1.mp3', audio);
    const { callSessionId, events } = callLifecycle({
      from: '+1 (212) 555-0100',
      to: '+13125550199',
      answered: true,
      talkSeconds: 150,
      recordingUrl: url,
    });
    const deliveries = shuffle([...events, ...events, events[2]!]);
    const statuses = await Promise.all(
      deliveries.map((e) => signed('/webhooks/telnyx/voice', e).then((r) => r.status)),
    );
    expect(statuses.every((s) => s === 200)).toBe(true);
    const result = await (await stack.delivered()).workflow.getHandle(callWorkflowId(callSessionId)).result();
    expect(result.status).toBe('completed');
    const rows = await stack.database.db
      .select()
      .from(phoneRecords)
      .where(eq(phoneRecords.callSessionId, callSessionId));
    expect(rows).toHaveLength(1);
    const row = rows[0]!;
    expect(row).toMatchObject({
      status: 'completed',
      direction: 'inbound',
      phoneNumber: '+12125550100',
      durationSeconds: 150,
      recordingBytes: 4096,
    });
    expect(row.contactId).not.toBeNull();
    expect((row.stageStatus as Record<string, { status: string }>).record?.status).toBe('done');
    // A late redelivery after the workflow closed is acknowledged and changes nothing.
    expect((await signed('/webhooks/telnyx/voice', events[1])).status).toBe(200);
    expect(await countRecords(callSessionId)).toBe(1);
  });

  it('keeps a call whose hangup overtook its answer: the late answer and recording still make it a recorded call', async () => {
    const url = fake.hostRecording('r-late.mp3', new Uint8Array(3072).fill(5));
    const { callSessionId, events } = callLifecycle({
      from: '+12125550100',
      to: '+13125550199',
      answered: true,
      talkSeconds: 150,
      recordingUrl: url,
    });
    const [initiated, answered, hangup, saved] = events;
    for (const e of [initiated, hangup]) expect((await signed('/webhooks/telnyx/voice', e)).status).toBe(200);
    // Well inside the settle window, but after the workflow has seen an unanswered hangup.
    await new Promise((r) => setTimeout(r, 1000));
    for (const e of [answered, saved]) expect((await signed('/webhooks/telnyx/voice', e)).status).toBe(200);
    const result = await (await stack.delivered()).workflow.getHandle(callWorkflowId(callSessionId)).result();
    expect(result.status).toBe('completed');
    expect(result.stages.record).toBe('done');
    const [row] = await stack.database.db
      .select()
      .from(phoneRecords)
      .where(eq(phoneRecords.callSessionId, callSessionId));
    expect(row).toMatchObject({ status: 'completed', recordingBytes: 3072, durationSeconds: 150 });
    expect((row!.stageStatus as Record<string, { status: string }>).record?.status).toBe('done');
  });

  it('a late event for a closed call reopens it when it changes the call, and is acknowledged when it does not', async () => {
    const url = fake.hostRecording('r-reopen.mp3', new Uint8Array(4096).fill(7));
    const { callSessionId, events } = callLifecycle({
      from: '+12125550100',
      to: '+13125550199',
      answered: true,
      talkSeconds: 30,
      recordingUrl: url,
    });
    const [initiated, answered, hangup, saved] = events;
    const late = async () => {
      const text = await registry.getSingleMetricAsString('cc_late_call_events_total');
      const count = (verdict: string) => Number(text.match(new RegExp(`verdict="${verdict}"} (\\d+)`))?.[1] ?? 0);
      return { reopened: count('reopened'), unchanged: count('unchanged') };
    };
    for (const e of [hangup, initiated]) expect((await signed('/webhooks/telnyx/voice', e)).status).toBe(200);
    const handle = (await stack.delivered()).workflow.getHandle(callWorkflowId(callSessionId));
    expect((await handle.result()).status).toBe('missed');
    const before = await late();
    // The run is closed. A redelivered `initiated` (same event id) is absorbed by the inbox.
    expect((await signed('/webhooks/telnyx/voice', { ...initiated, meta: { attempt: 2 } })).status).toBe(200);
    await stack.delivered();
    expect(await late()).toEqual(before);
    // One under a new event id reaches the closed run and changes nothing: acknowledged, counted.
    const repeat = { ...initiated, data: { ...(initiated!.data as object), id: randomUUID() } };
    expect((await signed('/webhooks/telnyx/voice', repeat)).status).toBe(200);
    await stack.delivered();
    expect(await late()).toEqual({ ...before, unchanged: before.unchanged + 1 });
    // The recording proves the call was answered: the call is reopened from its record.
    expect((await signed('/webhooks/telnyx/voice', saved)).status).toBe(200);
    await stack.delivered();
    expect(await late()).toEqual({ reopened: before.reopened + 1, unchanged: before.unchanged + 1 });
    expect((await signed('/webhooks/telnyx/voice', answered)).status).toBe(200);
    const result = await (await stack.delivered()).workflow.getHandle(callWorkflowId(callSessionId)).result();
    expect(result).toMatchObject({ status: 'completed', stages: { record: 'done', transcribe: expect.any(String) } });
    const [row] = await stack.database.db
      .select()
      .from(phoneRecords)
      .where(eq(phoneRecords.callSessionId, callSessionId));
    expect(row).toMatchObject({ status: 'completed', recordingBytes: 4096, durationSeconds: 30 });
    expect(await countRecords(callSessionId)).toBe(1);
  });

  it('answers an inbound Call Control call and starts a dual recording, with command ids', async () => {
    const url = fake.hostRecording('r2.mp3', new Uint8Array(2048).fill(1));
    const { callSessionId, events } = callLifecycle({
      from: '+12125550100',
      to: '+13125550199',
      answered: true,
      talkSeconds: 10,
      recordingUrl: url,
    });
    expect((await signed('/webhooks/telnyx/voice', events[0])).status).toBe(200);
    const ccid = (events[0]!.data as { payload: { call_control_id: string } }).payload.call_control_id;
    const sent = (action: string) =>
      fake.requests.filter((r) => decodeURIComponent(r.path) === `/v2/calls/${ccid}/actions/${action}`);
    for (let i = 0; i < 100 && sent('record_start').length === 0; i++) await new Promise((r) => setTimeout(r, 100));
    expect(sent('answer')).toHaveLength(1);
    expect((sent('answer')[0]!.body as { command_id: string }).command_id).toMatch(/-answer$/);
    expect(sent('record_start')[0]!.body).toMatchObject({ channels: 'dual', format: 'mp3' });
    // The receptionist greets over the stream; Telnyx presents the token on the socket's upgrade.
    for (let i = 0; i < 100 && sent('streaming_start').length === 0; i++) await new Promise((r) => setTimeout(r, 100));
    const stream = sent('streaming_start')[0]!.body as Record<string, string>;
    expect(stream).toMatchObject({
      stream_url: 'ws://localhost:3000/api/voice/telnyx-stream',
      stream_track: 'inbound_track',
      stream_bidirectional_mode: 'rtp',
      stream_bidirectional_codec: 'PCMU',
    });
    expect(stream.stream_auth_token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(sent('speak')).toHaveLength(0);
    const [session] = await stack.database.db.select().from(voiceSessions).where(eq(voiceSessions.callControlId, ccid));
    expect(session).toMatchObject({ callSessionId, connectedAt: null });
    for (const e of events.slice(1)) expect((await signed('/webhooks/telnyx/voice', e)).status).toBe(200);
    const result = await (await stack.delivered()).workflow.getHandle(callWorkflowId(callSessionId)).result();
    expect(result.status).toBe('completed');
  });

  it('records a missed call from a known contact, hangup first', async () => {
    const { callSessionId, events } = callLifecycle({ from: '+12125550100', to: '+13125550199', answered: false });
    for (const e of [...events].reverse()) expect((await signed('/webhooks/telnyx/status', e)).status).toBe(200);
    const result = await (await stack.delivered()).workflow.getHandle(callWorkflowId(callSessionId)).result();
    expect(result.status).toBe('missed');
    const [row] = await stack.database.db
      .select()
      .from(phoneRecords)
      .where(eq(phoneRecords.callSessionId, callSessionId));
    expect(row).toMatchObject({ status: 'missed', durationSeconds: 0 });
  });

  it('answers a TeXML instruction fetch with the receptionist stream and follows status callbacks', async () => {
    const sid = `v3:texml-${Date.now()}`;
    const res = await signedForm('/webhooks/telnyx/voice', {
      CallSid: sid,
      From: '+12125550100',
      To: '+13125550199',
      CallStatus: 'ringing',
      Direction: 'inbound',
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('application/xml');
    const xml = await res.text();
    // The receptionist greets over the stream (by name); the token is bound to this call.
    expect(xml).toMatch(/<Connect><Stream url="ws:\/\/localhost:3000\/api\/voice\/telnyx-stream\/[A-Za-z0-9_-]{43}"/);
    expect(xml).toContain('recordingStatusCallback="http://localhost:3000/webhooks/telnyx/recording"');
    const [session] = await stack.database.db.select().from(voiceSessions).where(eq(voiceSessions.callControlId, sid));
    expect(session).toMatchObject({ callSessionId: sid, connectedAt: null });
    expect(session!.contactId).not.toBeNull();
    const done = await signedForm('/webhooks/telnyx/voice/hangup', {
      CallSid: sid,
      CallSessionId: sid,
      From: '+12125550100',
      To: '+13125550199',
      CallStatus: 'no-answer',
      SequenceNumber: '3',
    });
    expect(done.status).toBe(200);
    const result = await (await stack.delivered()).workflow.getHandle(callWorkflowId(sid)).result();
    expect(result.status).toBe('missed');
    expect(await countRecords(sid)).toBe(1);
  });

  it('erasure stays erased: redelivered webhooks and the history sync bring nothing back', async () => {
    const number = '+12125550166';
    const [contact] = await stack.database.db
      .insert(contacts)
      .values({ firstName: 'Erin', lastName: 'Erased', phoneE164: number })
      .returning();
    const url = fake.hostRecording('r-erased.mp3', new Uint8Array(2048).fill(9));
    const { callSessionId, events } = callLifecycle({
      from: number,
      to: '+13125550199',
      answered: true,
      talkSeconds: 20,
      recordingUrl: url,
    });
    for (const e of events) expect((await signed('/webhooks/telnyx/voice', e)).status).toBe(200);
    await (await stack.delivered()).workflow.getHandle(callWorkflowId(callSessionId)).result();
    const sms = smsReceived(number, '+13125550199', 'Please call me about the lease');
    expect((await signed('/webhooks/telnyx/messaging', sms)).status).toBe(200);
    const smsId = String(((sms.data as Record<string, unknown>).payload as Record<string, unknown>).id);
    await (await stack.delivered()).workflow.getHandle(messageWorkflowId(smsId)).result();
    expect(await countRecords(callSessionId)).toBe(1);
    // The owner's weekly digest names her (it belongs to no contact).
    await stack.database.db.insert(notifications).values({
      dedupeKey: `digest-test-${callSessionId}`,
      rule: 'weekly_digest',
      channel: 'inbox',
      title: 'Your week',
      body: '**Reach out to:**\n- Erin Erased (last contact 19 days ago)\n- Ada Lovelace',
      status: 'sent',
    });

    // She talked to the receptionist, which left the owner a task (not linked to her contact).
    const [talk] = await stack.database.db
      .insert(voiceSessions)
      .values({
        tokenHash: randomUUID(),
        callControlId: `cc-${callSessionId}`,
        callSessionId,
        expiresAt: new Date(),
        turns: [{ speaker: 'caller', text: 'This is Erin about the lease', atMs: 0 }],
      })
      .returning();
    const taskId = await recordReceptionistMessage(
      stack.database.db,
      { sessionId: talk!.id, callSessionId, contactId: null },
      { title: 'Call Erin Erased back about the lease', body: 'Message taken', urgent: false },
    );

    const firstRunId = (await (await stack.delivered()).workflow.getHandle(callWorkflowId(callSessionId)).describe())
      .runId;
    const forgot = await stack.app.request(`/api/contacts/${contact!.id}/forget`, {
      method: 'POST',
      headers: { authorization: `Bearer ${stack.token}` },
    });
    expect(forgot.status).toBe(200);
    expect(await countRecords(callSessionId)).toBe(0);
    expect(
      await stack.database.db.select().from(voiceSessions).where(eq(voiceSessions.callSessionId, callSessionId)),
    ).toEqual([]);
    expect(await stack.database.db.select().from(tasks).where(eq(tasks.id, taskId))).toEqual([]);
    expect(
      await stack.database.db
        .select()
        .from(notifications)
        .where(eq(notifications.dedupeKey, `receptionist:${talk!.id}:inbox`)),
    ).toEqual([]);
    const [digest] = await stack.database.db
      .select()
      .from(notifications)
      .where(eq(notifications.dedupeKey, `digest-test-${callSessionId}`));
    expect(digest!.body).toBe('**Reach out to:**\n- (erased) (last contact 19 days ago)\n- Ada Lovelace');

    // Telnyx redelivers the call's hangup and recording, and the text, as new deliveries.
    const again = (e: Record<string, unknown>) => ({ ...e, meta: { attempt: 2 } });
    for (const e of [events[2]!, events[3]!])
      expect((await signed('/webhooks/telnyx/voice', again(e))).status).toBe(200);
    expect((await signed('/webhooks/telnyx/messaging', again(sms))).status).toBe(200);
    // The hourly sync finds the call in Telnyx's detail records: erased, not missing.
    fake.detailRecords.push({
      record_type: 'call-control',
      call_session_id: callSessionId,
      direction: 'inbound',
      cli: number,
      cld: '+13125550199',
      started_at: new Date(Date.now() - 120_000).toISOString(),
      call_sec: 20,
    });
    const sync = await stack.app.request('/api/phone-records/sync', {
      method: 'POST',
      headers: { authorization: `Bearer ${stack.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ since: new Date(Date.now() - 3_600_000).toISOString() }),
    });
    expect(sync.status).toBe(200);
    expect(((await sync.json()) as { data: { callSessionIds: string[] } }).data.callSessionIds).not.toContain(
      callSessionId,
    );
    await new Promise((r) => setTimeout(r, 2000));
    expect(await countRecords(callSessionId)).toBe(0);
    expect(await stack.database.db.select().from(messages).where(eq(messages.telnyxMessageId, smsId))).toEqual([]);
    // No new run was started for the erased call (Temporal deletes the erased one in the background).
    const seen = await stack.client.workflow
      .getHandle(callWorkflowId(callSessionId))
      .describe()
      .then(
        (d) => ({ runId: d.runId, status: d.status.name }),
        (err: Error) => err.name,
      );
    if (typeof seen === 'string') expect(seen).toBe('WorkflowNotFoundError');
    else expect(seen, JSON.stringify(seen)).toMatchObject({ runId: firstRunId });
  });

  it('the codec fails closed: a forged, unencrypted signal from a client without the key changes nothing', async () => {
    const forger = new Client({ connection: stack.client.connection });
    const callSessionId = randomUUID();
    const forged = {
      eventId: randomUUID(),
      type: 'call.hangup',
      occurredAt: new Date().toISOString(),
      source: 'call_control',
      callSessionId,
      otherParty: '+12125550100',
      hangupCause: 'originator_cancel',
    };
    const handle = await forger.workflow.signalWithStart('callWorkflow', {
      workflowId: callWorkflowId(callSessionId),
      taskQueue: stack.config.temporal.taskQueue,
      args: [{ callSessionId }],
      signal: 'callEvent',
      signalArgs: [forged],
    });
    await new Promise((r) => setTimeout(r, 3000));
    // The worker refuses the run's plain input: no record, and the run makes no progress.
    expect(await countRecords(callSessionId)).toBe(0);
    const history = await handle.fetchHistory();
    const failed = history.events!.filter((e) => e.workflowTaskFailedEventAttributes);
    expect(failed.length).toBeGreaterThan(0);
    expect(JSON.stringify(failed[0]!.workflowTaskFailedEventAttributes)).toContain('not encrypted');
    await handle.terminate('test: forged run');
  });

  it('the codec binds payloads to their workflow: a captured encrypted event replayed into another call is refused', async () => {
    const { callSessionId, events } = callLifecycle({ from: '+12125550100', to: '+13125550199', answered: false });
    for (const e of events) expect((await signed('/webhooks/telnyx/voice', e)).status).toBe(200);
    await (await stack.delivered()).workflow.getHandle(callWorkflowId(callSessionId)).result();
    // What someone who reaches Temporal can copy: the encrypted start input and a signal.
    const history = await (await stack.delivered()).workflow.getHandle(callWorkflowId(callSessionId)).fetchHistory();
    const input = history.events![0]!.workflowExecutionStartedEventAttributes!.input!.payloads!;
    const signal = history.events!.find((e) => e.workflowExecutionSignaledEventAttributes)!
      .workflowExecutionSignaledEventAttributes!.input!.payloads!;
    const target = randomUUID();
    await stack.client.connection.workflowService.signalWithStartWorkflowExecution({
      namespace: 'default',
      workflowId: callWorkflowId(target),
      workflowType: { name: 'callWorkflow' },
      taskQueue: { name: stack.config.temporal.taskQueue },
      input: { payloads: input },
      signalName: 'callEvent',
      signalInput: { payloads: signal },
      identity: 'replayer',
      requestId: randomUUID(),
    });
    const handle = (await stack.delivered()).workflow.getHandle(callWorkflowId(target));
    let failure = '';
    for (let i = 0; i < 40 && !failure; i++) {
      await new Promise((r) => setTimeout(r, 250));
      const failed = (await handle.fetchHistory()).events!.find((e) => e.workflowTaskFailedEventAttributes);
      failure = failed ? JSON.stringify(failed.workflowTaskFailedEventAttributes) : '';
    }
    expect(failure).toContain('another workflow');
    expect(await countRecords(target)).toBe(0);
    await handle.terminate('test: replayed payloads');
  });

  it('serves the fallback TeXML without the database or Temporal', async () => {
    const res = await signedForm('/webhooks/telnyx/fallback', { CallSid: 'v3:fb', From: '+12125550100' });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('<Record');
  });

  it('starts one message workflow per inbound SMS and stores it once', async () => {
    const body = smsReceived('+12125550100', '+13125550199', 'Thanks so much, see you Friday!');
    const id = (body.data as { payload: { id: string } }).payload.id;
    const statuses = await Promise.all(
      [body, body].map((b) => signed('/webhooks/telnyx/messaging', b).then((r) => r.status)),
    );
    expect(statuses).toEqual([200, 200]);
    await (await stack.delivered()).workflow.getHandle(messageWorkflowId(id)).result();
    const rows = await stack.database.db.select().from(messages).where(eq(messages.telnyxMessageId, id));
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ direction: 'inbound', phoneNumber: '+12125550100', sentiment: 'positive' });
    const n = await stack.database.db.execute(
      sql`select count(*)::int as n from embeddings where source_id = ${rows[0]!.id}`,
    );
    expect((n as unknown as { rows: { n: number }[] }).rows[0]!.n).toBe(1);
  });
});
