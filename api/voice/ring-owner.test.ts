/**
 * Ring the owner first, as Telnyx plays it: a contact's Call Control call is answered with a
 * stream to the receptionist, the call's workflow dials the owner's leg (linked, premium
 * answering-machine detection, tagged), and the Telnyx fake plays that leg: a person answers (the
 * caller is put through: the stream stops, the legs are bridged), voicemail answers or the line is
 * busy or nobody answers (the owner's leg is hung up and the receptionist carries on and takes the
 * message). The owner's leg shares the caller's call session, and the call stays the caller's.
 */
import { randomUUID } from 'node:crypto';
import { serve, type ServerType } from '@hono/node-server';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  deliverAsTelnyx,
  startFakeTelnyx,
  type DialledLegs,
  type FakeTelnyx,
} from '../../activities/providers/telephony/fake.js';
import { contacts, phoneRecords } from '../../db/schema/index.js';
import { voiceSessionOfControl } from '../../db/queries/voice.js';
import { RING_POLL_MS } from './session.js';
import { OWNER_LEG_CLIENT_STATE } from '../../contract/index.js';
import { telephoneSpeech } from '../../fixtures/speech.js';
import { dialStream, type StreamCaller } from '../../fixtures/stream-caller.js';
import { encodeMuLaw } from '../../platform/audio.js';
import { eventually } from '../../test/product.js';
import { callWorkflowId } from '../../temporal.config.js';
import { getCallProgressQuery } from '../../workflows/signals.js';
import { startStack, type Stack } from '../../test/stack.js';
import { Worker } from '@temporalio/worker';
import { workflowsPath } from '../../worker/worker.js';
import { dataConverterFor, EncryptionCodec, parseCodecKeys } from '../../temporal/codec.js';

let stack: Stack;
let fake: FakeTelnyx;
let server: ServerType;
let port = 0;
const DANA = '+13125550142';
const STRANGER = '+13125550177';
const OURS = '+13125550199';
const OWNER = '+13125550111';
const CONNECTION = '1684641123236054244';

const speech = async (text: string) => encodeMuLaw(await telephoneSpeech(text));

// A test holds the recogniser's answers back until this settles (a slow recognition, on cue).
let recognitionHeld: Promise<void> | undefined;

beforeAll(async () => {
  fake = await startFakeTelnyx();
  stack = await startStack({
    voiceEngines: (real) => ({
      ...real,
      recognizer: {
        name: real.recognizer.name,
        recognize: async (audio, hints) => {
          await recognitionHeld;
          return real.recognizer.recognize(audio, hints);
        },
        warm: () => real.recognizer.warm(),
        close: () => real.recognizer.close(),
      },
    }),
    env: {
      OWNER_NAME: 'Marco',
      OWNER_TIMEZONE: 'America/Chicago',
      TELNYX_API_KEY: 'KEY_ring_owner_test',
      TELNYX_BASE_URL: fake.baseUrl,
      TELNYX_CONNECTION_ID: CONNECTION,
      OWNER_PHONE_NUMBER: OWNER,
      RING_OWNER_FIRST: 'contacts',
      // Room for a caller to be heard while it rings on a busy machine (Whisper's share of two cores).
      RING_OWNER_SECONDS: '10',
    },
  });
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
  await fake?.close();
});

/** Poll until `fn` gives a value; fails the test naming what never came. */
async function waitFor<T>(
  what: string,
  fn: () => Promise<T | undefined | null> | T | undefined | null,
  timeoutMs = 30_000,
) {
  const v = await eventually(async () => fn(), timeoutMs, 100);
  if (!v) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
  return v;
}

const webhooks = () => `http://127.0.0.1:${port}/webhooks/telnyx/voice`;

/** The caller's leg: its webhooks, signed and delivered as Telnyx does. */
function callerLeg(from: string) {
  const sid = randomUUID();
  const ccid = `v3:caller-${randomUUID()}`;
  fake.sessions.set(ccid, sid);
  const send = async (eventType: string, extra: Record<string, unknown> = {}) => {
    const body = JSON.stringify({
      data: {
        record_type: 'event',
        event_type: eventType,
        id: randomUUID(),
        occurred_at: new Date().toISOString(),
        payload: {
          call_control_id: ccid,
          call_leg_id: randomUUID(),
          call_session_id: sid,
          connection_id: CONNECTION,
          client_state: null,
          direction: 'incoming',
          from,
          to: OURS,
          ...extra,
        },
      },
      meta: { attempt: 1, delivered_to: webhooks() },
    });
    const r = await deliverAsTelnyx(webhooks(), stack.keys.privateKey, body, 10);
    expect(r.outcome).toBe('200');
  };
  return { sid, ccid, send };
}

/** Commands the product sent on one leg (optionally one kind), in order. */
const commands = (ccid: string, action?: string) =>
  fake.requests.filter((r) => {
    const path = decodeURIComponent(r.path);
    return path.startsWith(`/v2/calls/${ccid}/actions/`) && (!action || path.endsWith(`/actions/${action}`));
  });
/** The owner's leg dialled for a call (it shares the caller's session). */
const ownerLegOf = (call: { sid: string; ccid: string }) =>
  waitFor(
    "the owner's leg",
    () => [...fake.sessions.entries()].find(([id, s]) => s === call.sid && id !== call.ccid)?.[0],
  );
const dials = (ccid: string) =>
  fake.requests.filter((r) => r.path === '/v2/calls' && (r.body as { link_to?: string }).link_to === ccid);

const sessionsSeen: string[] = [];

/** A call comes in: Telnyx's initiated, our answer and stream, the caller on the stream. */
async function incoming(from: string, scenario: DialledLegs['scenario'] | undefined, ringMs = 400) {
  fake.dialled = scenario ? { deliverTo: webhooks(), privateKey: stack.keys.privateKey, scenario, ringMs } : undefined;
  const leg = callerLeg(from);
  sessionsSeen.push(leg.sid);
  await leg.send('call.initiated', { state: 'parked', start_time: new Date().toISOString(), caller_id_name: from });
  const streaming = await waitFor('streaming_start', () => commands(leg.ccid, 'streaming_start')[0]);
  await leg.send('call.answered', { state: 'answered' });
  const body = streaming.body as { stream_url: string; stream_auth_token: string };
  const url = body.stream_url.replace(/^ws:\/\/localhost:3000/, `ws://127.0.0.1:${port}`);
  const caller = await dialStream(url, { callControlId: leg.ccid, authToken: body.stream_auth_token, lineNoise: 0.02 });
  return { ...leg, caller };
}

/** The caller hangs up; Telnyx reports the end and that no recording was made. */
async function hangUp(leg: { send: (t: string, e?: Record<string, unknown>) => Promise<void>; caller: StreamCaller }) {
  await leg.caller.hangUp();
  await leg.send('call.hangup', {
    hangup_cause: 'normal_clearing',
    hangup_source: 'caller',
    end_time: new Date().toISOString(),
  });
  await leg.send('call.recording.error', { reason: 'no recording' });
}

const progressOf = async (sid: string) =>
  (await stack.delivered()).workflow.getHandle(callWorkflowId(sid)).query(getCallProgressQuery);
const sessionTurns = async (ccid: string) =>
  ((await voiceSessionOfControl(stack.database.db, ccid))?.turns ?? []).map((t) => `${t.speaker}: ${t.text}`);

/** The call is the caller's alone: one record, their number, inbound, completed. */
async function expectCallersCall(sid: string, from: string) {
  const rows = await waitFor(
    'the completed call',
    async () => {
      const r = await stack.database.db.select().from(phoneRecords).where(eq(phoneRecords.callSessionId, sid));
      return r[0]?.status === 'completed' ? r : null;
    },
    60_000,
  );
  expect(rows).toHaveLength(1);
  expect(rows[0]).toMatchObject({ phoneNumber: from, direction: 'inbound', status: 'completed' });
}

describe('ring the owner first', () => {
  it('a person answers: the receptionist says so, its stream stops, and the caller is bridged to the owner', async () => {
    // The owner picks up after 3 s of ringing, as people do (the greeting is still playing).
    const call = await incoming(DANA, 'human', 3000);
    const dial = await waitFor('the dial', () => dials(call.ccid)[0]);
    expect(dial.body).toMatchObject({
      connection_id: CONNECTION,
      to: OWNER,
      from: OURS,
      link_to: call.ccid,
      bridge_intent: true,
      timeout_secs: 10,
      answering_machine_detection: 'premium',
      client_state: OWNER_LEG_CLIENT_STATE,
    });
    // The legs are bridged, then Telnyx stops the receptionist's stream when told to.
    await waitFor('streaming_stop', () => commands(call.ccid, 'streaming_stop')[0]);
    await call.caller.hangUp();
    const bridge = await waitFor('the bridge', () => commands(call.ccid, 'bridge')[0], 10_000);
    const ownerLeg = (bridge.body as { call_control_id: string }).call_control_id;
    expect(ownerLeg).toMatch(/^v3:dialled-/);
    const order = fake.requests.map((r) => r.path);
    // Bridged first, then the receptionist's stream stopped (a failed bridge leaves it talking).
    expect(order.findIndex((p) => p.endsWith('/bridge'))).toBeLessThan(
      order.findIndex((p) => p.endsWith('/streaming_stop')),
    );
    await expect
      .poll(async () => (await voiceSessionOfControl(stack.database.db, call.ccid))?.outcome?.result, {
        timeout: 10_000,
      })
      .toBe('transferred');
    // The owner is waiting: the greeting ends with the sentence being spoken when they answered.
    const [hello, through, ...more] = await sessionTurns(call.ccid);
    const greeting = [
      'Hello Dana, you have reached Marco.',
      'Let me see if Marco can take your call.',
      'One moment, please.',
    ];
    expect(greeting.map((_, i) => `receptionist: ${greeting.slice(0, i + 1).join(' ')}`)).toContain(hello);
    expect(through).toBe('receptionist: Putting you through to Marco now.');
    expect(more).toEqual([]);
    await expect.poll(async () => (await progressOf(call.sid)).ownerRing, { timeout: 10_000 }).toBe('put through');
    // The owner's leg is never hung up by us: they are talking.
    expect(commands(ownerLeg, 'hangup')).toEqual([]);
    // The talk ends: the caller hangs up (the bridged owner's leg with it).
    await call.send('call.hangup', {
      hangup_cause: 'normal_clearing',
      hangup_source: 'caller',
      end_time: new Date().toISOString(),
    });
    await call.send('call.recording.error', { reason: 'no recording' });
    await expectCallersCall(call.sid, DANA);
  });

  it("the bridge fails (Telnyx answers 500, retried): the owner's leg is hung up and the receptionist takes the call back", async () => {
    fake.failing.add('bridge');
    try {
      const call = await incoming(DANA, 'human', 3000);
      const ownerLeg = await ownerLegOf(call);
      await waitFor("the owner's leg hung up", () => commands(ownerLeg, 'hangup')[0], 45_000);
      expect(commands(call.ccid, 'bridge').length, 'the bridge was retried').toBeGreaterThan(1);
      await expect
        .poll(async () => (await sessionTurns(call.ccid)).at(-1), { timeout: 15_000 })
        .toBe(
          "receptionist: Sorry, I couldn't put you through. Marco can't take your call right now, but I can take a message or book a call back. What is it about, Dana?",
        );
      expect(await sessionTurns(call.ccid)).toContain('receptionist: Putting you through to Marco now.');
      await expect
        .poll(async () => (await progressOf(call.sid)).ownerRing, { timeout: 10_000 })
        .toBe('not taken (the bridge failed)');
      await hangUp(call);
      await expectCallersCall(call.sid, DANA);
      // The caller left a message-less call: not "put through".
      expect((await voiceSessionOfControl(stack.database.db, call.ccid))?.outcome?.result).toBe('caller_hung_up');
    } finally {
      fake.failing.delete('bridge');
    }
  });

  it("voicemail answers: the owner's leg is hung up and the receptionist takes the message", async () => {
    const call = await incoming(DANA, 'voicemail');
    const ownerLeg = await ownerLegOf(call);
    await waitFor("the owner's leg hung up", () => commands(ownerLeg, 'hangup')[0]);
    // The rest of the greeting, once the owner's leg is known not to be the owner.
    await expect
      .poll(async () => (await sessionTurns(call.ccid))[1], { timeout: 15_000 })
      .toBe(
        "receptionist: Marco can't take your call right now, but I can take a message or book a call back. What is it about, Dana?",
      );
    await call.caller.reply(performance.now(), { quietMs: 800 });
    const first = await call.caller.say(
      await speech('Hi, I am calling about the roof estimate. Can Marco call me back tomorrow at nine?'),
    );
    await call.caller.reply(first);
    const second = await call.caller.say(await speech('Yes, that is right.'));
    await call.caller.reply(second);
    expect((await call.caller.closed).code).toBe(1000);
    const session = await voiceSessionOfControl(stack.database.db, call.ccid);
    expect(session!.outcome).toMatchObject({ result: 'callback_booked', message: { about: 'the roof estimate' } });
    expect(commands(call.ccid, 'bridge')).toEqual([]);
    await expect
      .poll(async () => (await progressOf(call.sid)).ownerRing, { timeout: 10_000 })
      .toBe('not taken (voicemail)');
    await hangUp(call);
    await expectCallersCall(call.sid, DANA);
  });

  it('busy, or no answer within the ring time: the receptionist carries on; the owner is never bridged', async () => {
    for (const [scenario, why] of [
      ['busy', 'busy'],
      ['no-answer', 'no answer'],
    ] as const) {
      const call = await incoming(DANA, scenario, scenario === 'no-answer' ? 5000 : 300);
      await expect
        .poll(async () => (await sessionTurns(call.ccid))[1], { timeout: 20_000 })
        .toMatch(/^receptionist: Marco can't take your call right now/);
      expect(commands(call.ccid, 'bridge')).toEqual([]);
      await expect
        .poll(async () => (await progressOf(call.sid)).ownerRing, { timeout: 10_000 })
        .toBe(`not taken (${why})`);
      await hangUp(call);
      await expectCallersCall(call.sid, DANA);
    }
  });

  it('a caller who asks to be put through while it rings is asked to hold on, then told the owner did not answer', async () => {
    // The owner's phone rings for 10 s; the caller speaks over the greeting as soon as it starts.
    const call = await incoming(DANA, 'no-answer', 10_000);
    await expect.poll(() => call.caller.events.some((e) => e.event === 'media'), { timeout: 10_000 }).toBe(true);
    const asked = await call.caller.say(await speech('Can you put me through, please?'));
    await call.caller.reply(asked);
    await expect
      .poll(async () => (await sessionTurns(call.ccid)).slice(1), { timeout: 20_000 })
      .toEqual([
        expect.stringMatching(/^caller: .*put me through/i),
        "receptionist: I'm trying Marco for you right now. One moment, please.",
        "receptionist: Marco can't take your call right now.",
      ]);
    await expect
      .poll(async () => (await progressOf(call.sid)).ownerRing, { timeout: 10_000 })
      .toBe('not taken (no answer)');
    await hangUp(call);
    await expectCallersCall(call.sid, DANA);
  });

  it('a caller whose words are still being recognised when the ring ends hears the news, then one reply', async () => {
    let release = () => {};
    recognitionHeld = new Promise((r) => (release = r));
    try {
      const call = await incoming(DANA, 'no-answer', 4000);
      await expect.poll(() => call.caller.events.some((e) => e.event === 'media'), { timeout: 10_000 }).toBe(true);
      await call.caller.say(await speech('Can you put me through, please?'));
      // The owner did not answer while the caller's words were still being recognised.
      await expect
        .poll(async () => (await progressOf(call.sid)).ownerRing, { timeout: 30_000 })
        .toBe('not taken (no answer)');
      await expect
        .poll(async () => (await voiceSessionOfControl(stack.database.db, call.ccid))?.ring, { timeout: 10_000 })
        .toBe('unavailable');
      await new Promise((r) => setTimeout(r, 4 * RING_POLL_MS));
      release();
      // One answer: the news, then the reply to what was asked; the greeting's rest does not follow.
      await expect
        .poll(async () => (await sessionTurns(call.ccid)).slice(1), { timeout: 20_000 })
        .toEqual([
          expect.stringMatching(/^caller: .*put me through/i),
          "receptionist: Marco can't take your call right now. I can't put you through right now, but I'll make sure Marco gets your message. What is it about, Dana?",
        ]);
      await new Promise((r) => setTimeout(r, 2000));
      expect(await sessionTurns(call.ccid)).toHaveLength(3);
      await hangUp(call);
      await expectCallersCall(call.sid, DANA);
    } finally {
      release();
      recognitionHeld = undefined;
    }
  });

  it("the caller hangs up while the owner's phone rings: the owner's leg is hung up", async () => {
    const call = await incoming(DANA, 'no-answer', 60_000);
    const ownerLeg = await ownerLegOf(call);
    await hangUp(call);
    await waitFor("the owner's leg hung up", () => commands(ownerLeg, 'hangup')[0]);
    await expect
      .poll(async () => (await progressOf(call.sid)).ownerRing, { timeout: 10_000 })
      .toBe('not taken (the caller hung up)');
    await expectCallersCall(call.sid, DANA);
  });

  it('a caller the rule does not name (not a contact) goes straight to the receptionist', async () => {
    const call = await incoming(STRANGER, 'human');
    await expect
      .poll(async () => (await sessionTurns(call.ccid))[0], { timeout: 15_000 })
      .toMatch(/^receptionist: Hello, you have reached Marco\. Marco can't take your call right now/);
    expect(dials(call.ccid)).toEqual([]);
    await hangUp(call);
    await expectCallersCall(call.sid, STRANGER);
    expect((await progressOf(call.sid)).ownerRing).toBeUndefined();
  });

  it('every run above replays from its own history (the ring steps are deterministic)', async () => {
    const client = await stack.delivered();
    const histories = await Promise.all(
      sessionsSeen.map(async (sid) => ({
        workflowId: callWorkflowId(sid),
        history: await client.workflow.getHandle(callWorkflowId(sid)).fetchHistory(),
      })),
    );
    expect(histories.length).toBeGreaterThanOrEqual(6);
    const dataConverter = dataConverterFor(new EncryptionCodec(parseCodecKeys(stack.codecKeys)));
    const failures: string[] = [];
    for await (const r of Worker.runReplayHistories({ workflowsPath, dataConverter }, histories))
      if (r.error) failures.push(`${r.workflowId}: ${r.error.message}`);
    expect(failures).toEqual([]);
  });
});
