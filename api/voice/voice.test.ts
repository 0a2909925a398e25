/**
 * The live receptionist as Telnyx meets it: a signed TeXML fetch answered with a stream to our own
 * endpoint, then a caller on that stream speaking in real time (Flite speech, 20 ms frames), heard
 * by Whisper, answered by the dialogue in Flite's voice; the conversation and the owner's task in
 * the database afterwards. The local engines are real (the acceptance layer provisions them).
 */
import { randomUUID } from 'node:crypto';
import { serve, type ServerType } from '@hono/node-server';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signTelnyx } from '../../activities/providers/telephony/fake.js';
import { contacts, notifications, phoneRecords, tasks, voiceSessions } from '../../db/schema/index.js';
import { voiceSessionOfControl } from '../../db/queries/voice.js';
import { telephoneSpeech } from '../../fixtures/speech.js';
import { dialStream } from '../../fixtures/stream-caller.js';
import { encodeMuLaw } from '../../platform/audio.js';
import { eventually } from '../../test/product.js';
import { callWorkflowId } from '../../temporal.config.js';
import { getCallProgressQuery } from '../../workflows/signals.js';
import { startStack, type Stack } from '../../test/stack.js';

let stack: Stack;
let server: ServerType;
let port = 0;
const DANA = '+13125550142';

const signedForm = (path: string, fields: Record<string, string>) => {
  const body = new URLSearchParams(fields).toString();
  return stack.app.request(path, {
    method: 'POST',
    body,
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...signTelnyx(stack.keys.privateKey, body) },
  });
};
const speech = async (text: string) => encodeMuLaw(await telephoneSpeech(text));

/** A signed TeXML fetch for a new call; the stream URL it answers with, pointed at this test's port. */
async function answer(from = DANA) {
  const sid = `v3:voice-${randomUUID()}`;
  const res = await signedForm('/webhooks/telnyx/voice', {
    CallSid: sid,
    CallSessionId: sid,
    From: from,
    To: '+13125550199',
    CallStatus: 'ringing',
    Direction: 'inbound',
  });
  expect(res.status).toBe(200);
  const xml = await res.text();
  const url = /<Stream url="([^"]+)"/.exec(xml)?.[1];
  expect(url, xml).toMatch(/^ws:\/\/localhost:3000\/api\/voice\/telnyx-stream\/[A-Za-z0-9_-]{43}$/);
  expect(xml).toContain('bidirectionalMode="rtp"');
  expect(xml).toContain('bidirectionalCodec="PCMU"');
  expect(xml).toContain('<Redirect method="POST">http://localhost:3000/webhooks/telnyx/voice/after-stream</Redirect>');
  return { sid, xml, url: url!.replace('ws://localhost:3000', `ws://127.0.0.1:${port}`) };
}

beforeAll(async () => {
  stack = await startStack({ env: { OWNER_NAME: 'Marco', OWNER_TIMEZONE: 'America/Chicago' } });
  server = serve({ fetch: stack.app.fetch, port: 0, hostname: '127.0.0.1' });
  await new Promise((r) => server.once('listening', r));
  port = (server.address() as { port: number }).port;
  stack.appDeps.voice!.attach(server);
  await stack.database.db.insert(contacts).values({ firstName: 'Dana', lastName: 'Whitfield', phoneE164: DANA });
  await stack.appDeps.voice!.warm();
}, 180_000);
afterAll(async () => {
  await stack?.stop();
  await new Promise((r) => server?.close(r));
});

describe('the live receptionist', () => {
  it('greets a contact by name, takes the message, books the callback and hangs up; the owner gets the task', async () => {
    const { sid, url } = await answer();
    const caller = await dialStream(url, { callControlId: sid, lineNoise: 0.02 });
    const greeting = await caller.reply(performance.now(), { quietMs: 800 });
    expect(greeting.audio.length).toBeGreaterThan(8000); // over a second of speech

    const first = await caller.say(
      await speech('Hi, I am calling about the roof estimate. Can Marco call me back tomorrow at nine?'),
    );
    const confirm = await caller.reply(first);
    expect(confirm.latencyMs).toBeGreaterThan(0);
    const second = await caller.say(await speech('Yes, that is right.'));
    const goodbye = await caller.reply(second);
    expect(goodbye.audio.length).toBeGreaterThan(4000);
    const closed = await caller.closed;
    expect(closed.code).toBe(1000);

    const session = await voiceSessionOfControl(stack.database.db, sid);
    expect(session?.turns.map((t) => t.speaker)).toEqual([
      'receptionist',
      'caller',
      'receptionist',
      'caller',
      'receptionist',
    ]);
    expect(session!.turns[0]!.text).toMatch(/^Hello Dana, you have reached Marco\./);
    expect(session!.turns[1]!.text.toLowerCase()).toContain('roof estimate');
    expect(session!.turns[2]!.text).toBe(
      'So Marco will call you back tomorrow at 9 AM about the roof estimate. Is that right?',
    );
    expect(session!.turns[2]!.latencyMs).toBeGreaterThan(0);
    expect(session!.outcome).toMatchObject({
      result: 'callback_booked',
      message: { name: 'Dana Whitfield', about: 'the roof estimate', callbackSpoken: 'tomorrow at 9 AM' },
    });
    const [task] = await stack.database.db.select().from(tasks).where(eq(tasks.id, session!.outcome!.taskId!));
    expect(task).toMatchObject({
      title: 'Call Dana Whitfield back tomorrow at 9 AM about the roof estimate',
      source: 'receptionist',
      status: 'open',
    });
    // 9 AM in Chicago
    expect(
      new Intl.DateTimeFormat('en-US', { timeZone: 'America/Chicago', hour: 'numeric', hour12: false }).format(
        task!.dueDate!,
      ),
    ).toBe('09');
    const [note] = await stack.database.db
      .select()
      .from(notifications)
      .where(eq(notifications.dedupeKey, `receptionist:${session!.id}:inbox`));
    expect(note?.title).toBe(task!.title);

    // The stream is over: TeXML asks what next, and the finished conversation hangs up.
    const after = await signedForm('/webhooks/telnyx/voice/after-stream', { CallSid: sid, CallSessionId: sid });
    expect(await after.text()).toContain('<Hangup/>');

    // Telnyx reports the end, and that nothing was recorded: the conversation is the transcript.
    const fields = { CallSid: sid, CallSessionId: sid, From: DANA, To: '+13125550199', Direction: 'inbound' };
    const started = new Date(Date.now() - 30_000).toISOString();
    for (const [path, extra] of [
      ['/webhooks/telnyx/status', { CallStatus: 'in-progress', SequenceNumber: '1' }],
      [
        '/webhooks/telnyx/status',
        {
          CallStatus: 'completed',
          CallDuration: '30',
          StartTime: started,
          EndTime: new Date().toISOString(),
          SequenceNumber: '2',
        },
      ],
      ['/webhooks/telnyx/recording', { RecordingStatus: 'absent' }],
    ] as const)
      expect((await signedForm(path, { ...fields, ...extra })).status).toBe(200);
    const call = await eventually(async () => {
      const [row] = await stack.database.db.select().from(phoneRecords).where(eq(phoneRecords.callSessionId, sid));
      return row?.stageStatus.embed?.status === 'done' ? row : null;
    }, 120_000);
    expect(call, 'the conversation went through the pipeline').toBeTruthy();
    expect(call!.stageStatus.record).toMatchObject({ status: 'skipped' });
    expect(call!.transcriptProvider).toBe('receptionist');
    expect((call!.speakerSegments as { speaker: string }[]).map((t) => t.speaker)).toEqual(
      session!.turns.map((t) => t.speaker),
    );
    expect(call!.summary).toMatch(/^Dana Whitfield called about the roof estimate\./);
    // The call's workflow heard the conversation's milestones (and waited for its end to read it).
    const client = await stack.delivered();
    const progress = await client.workflow.getHandle(callWorkflowId(sid)).query(getCallProgressQuery);
    expect(progress.receptionist).toEqual(['started', 'callback_booked', 'message_taken', 'ended:callback_booked']);
    // The message is the receptionist's task; the conversation adds no tasks of its own.
    const made = await stack.database.db.select().from(tasks).where(eq(tasks.phoneRecordId, call!.id));
    expect(made.filter((t) => t.source === 'action_item')).toEqual([]);
    // And it can be asked about.
    const asked = await stack.app.request('/api/ask', {
      method: 'POST',
      headers: { authorization: `Bearer ${stack.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ question: 'Who called about the roof estimate?' }),
    });
    const reply = ((await asked.json()) as { data: { citations: { phoneRecordId?: string }[] } }).data;
    expect(reply.citations.map((c) => c.phoneRecordId)).toContain(call!.id);
  });

  it('stops talking when the caller speaks over it (clear), keeping only what was heard', async () => {
    const { sid, url } = await answer();
    const caller = await dialStream(url, { callControlId: sid });
    // Speak over the greeting, a moment after it starts.
    const words = await speech('Sorry, who is this?');
    await expect.poll(() => caller.events.some((e) => e.event === 'media'), { timeout: 10_000 }).toBe(true);
    await caller.say(words);
    await expect.poll(() => caller.events.some((e) => e.event === 'clear'), { timeout: 5_000 }).toBe(true);
    await caller.hangUp();
    await expect
      .poll(async () => (await voiceSessionOfControl(stack.database.db, sid))?.outcome?.result, { timeout: 10_000 })
      .toBe('caller_hung_up');
    const session = await voiceSessionOfControl(stack.database.db, sid);
    expect(session!.turns[0]).toMatchObject({ speaker: 'receptionist', interrupted: true });
  });

  it('refuses a stream without a valid, unused token, or for another call; a dropped stream falls back to voicemail', async () => {
    const { sid, url } = await answer();
    await expect(dialStream(url.replace(/[^/]+$/, 'x'.repeat(43)), { callControlId: sid })).rejects.toThrow('HTTP 401');
    await expect(dialStream(url.replace(/\/[^/]+$/, ''), { callControlId: sid })).rejects.toThrow('HTTP 401');
    // Bound to its call: a start frame for another call is closed at once (policy violation).
    const wrong = await dialStream(url, { callControlId: 'v3:someone-else' });
    expect((await wrong.closed).code).toBe(1008);
    // Single use: the token is spent.
    await expect(dialStream(url, { callControlId: sid })).rejects.toThrow('HTTP 401');
    // The conversation never happened: TeXML's next step is the voicemail document.
    const after = await signedForm('/webhooks/telnyx/voice/after-stream', { CallSid: sid, CallSessionId: sid });
    const xml = await after.text();
    expect(xml).toContain('Please leave a message after the tone.');
    expect(xml).toContain('<Record');
    const rows = await stack.database.db.select().from(voiceSessions).where(eq(voiceSessions.callSessionId, sid));
    expect(rows).toHaveLength(1);
  });
});
