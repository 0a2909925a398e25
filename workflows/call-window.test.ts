/**
 * The call workflow under the orders and gaps Telnyx produces, on Temporal's time-skipping test
 * server (minutes of gaps and the 10-minute straggler window pass in milliseconds): every arrival
 * order of an answered call's four events, with and without duplicates, with gaps drawn from 0 to
 * 15 s, ends as the same completed call as the in-order delivery, with every stage done and no
 * standing missed-call alert. The activities are an in-memory record, so this is the workflow alone.
 */
import { randomUUID } from 'node:crypto';
import { WorkflowExecutionAlreadyStartedError, WorkflowIdReusePolicy } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventsFromStoredRecord } from '../activities/calls.js';
import type { PhoneRecordRow } from '../db/queries/phone-records.js';
import { quietRuntime } from '../test/stack.js';
import { timeSkippingEnvironment } from '../test/time-skipping.js';
import { callWorkflowId, callTimeouts } from '../temporal.config.js';
import { workflowsPath } from '../worker/worker.js';
import { callEventSignal } from './signals.js';
import { applyEvent, newCallState, snapshot } from './call-state.js';
import { lateEventVerdict } from '../api/webhooks/telnyx/late-events.js';
import type { CallEvent, CallSnapshot, StageName } from '../contract/index.js';

/** What the activities would have written for one call: the record, stage marks, the owner's alerts. */
interface FakeRecord {
  snap?: CallSnapshot;
  stages: Partial<Record<StageName, string>>;
  recordings: number;
  hasRecording: boolean;
  /** Missed-call alerts: how many were sent, and whether one still stands. */
  missedAlertsSent: number;
  missedAlertStanding: boolean;
}

const records = new Map<string, FakeRecord>();
const recordOf = (phoneRecordId: string) => {
  let r = records.get(phoneRecordId);
  if (!r) {
    r = { stages: {}, recordings: 0, hasRecording: false, missedAlertsSent: 0, missedAlertStanding: false };
    records.set(phoneRecordId, r);
  }
  return r;
};
const idOf = (callSessionId: string) => `pr-${callSessionId}`;

/** The call activities as an in-memory record (same names and shapes as activities/). */
const activities = {
  async syncCallRecord({ snapshot: snap }: { snapshot: CallSnapshot }) {
    recordOf(idOf(snap.callSessionId)).snap = snap;
    return { phoneRecordId: idOf(snap.callSessionId), contactId: 'contact-1', maskedNumber: '***' };
  },
  async markStages(a: { phoneRecordId: string; stages: StageName[]; state: string }) {
    for (const s of a.stages) recordOf(a.phoneRecordId).stages[s] = a.state;
  },
  async closeUnfinishedCall() {},
  async answerCall() {},
  async recordStage({ phoneRecordId, recording }: { phoneRecordId: string; recording: unknown }) {
    if (!recording) throw new Error('record stage without a recording');
    const r = recordOf(phoneRecordId);
    r.recordings += 1;
    r.hasRecording = true;
    r.stages.record = 'done';
  },
  ...Object.fromEntries(
    (['transcribe', 'summarize', 'sentiment', 'embed'] as const).map((stage) => [
      `${stage}Stage`,
      async ({ phoneRecordId }: { phoneRecordId: string }) => {
        recordOf(phoneRecordId).stages[stage] = 'done';
      },
    ]),
  ),
  async rescoreContact({ phoneRecordId }: { phoneRecordId: string }) {
    recordOf(phoneRecordId).stages.rescore = 'done';
  },
  /** As notifyForCall: a missed-call alert once while the call reads missed; withdrawn when it turns out otherwise. */
  async notifyStage({ phoneRecordId }: { phoneRecordId: string }) {
    const r = recordOf(phoneRecordId);
    r.stages.notify = 'done';
    if (r.snap?.status === 'missed') {
      if (!r.missedAlertStanding && r.missedAlertsSent === 0) r.missedAlertsSent += 1;
      r.missedAlertStanding = r.missedAlertsSent > 0;
    } else r.missedAlertStanding = false;
  },
  async loadStoredCallEvents({ phoneRecordId }: { phoneRecordId: string }) {
    const r = recordOf(phoneRecordId);
    const s = r.snap!;
    const row = {
      callSessionId: s.callSessionId,
      source: s.source,
      callControlId: s.callControlId ?? null,
      callLegId: s.callLegId ?? null,
      direction: s.direction,
      phoneNumber: s.otherParty,
      ourNumber: s.ourNumber ?? null,
      callerName: s.callerName ?? null,
      startedAt: s.startedAt ? new Date(s.startedAt) : null,
      answeredAt: s.answeredAt ? new Date(s.answeredAt) : null,
      endedAt: s.endedAt ? new Date(s.endedAt) : null,
      lastEventAt: s.lastEventAt ? new Date(s.lastEventAt) : null,
      createdAt: new Date(0),
      hangupCause: s.hangupCause ?? null,
      hangupSource: s.hangupSource ?? null,
    } as PhoneRecordRow;
    return { events: eventsFromStoredRecord(row), hasRecording: r.hasRecording };
  },
};

/** An answered inbound call's four events, as the webhook intake normalises them. */
function answeredCall() {
  const callSessionId = randomUUID();
  const t0 = Date.UTC(2026, 11, 1, 15, 0, 0);
  const at = (s: number) => new Date(t0 + s * 1000).toISOString();
  const base = { source: 'call_control' as const, callSessionId, callControlId: `v3:${callSessionId}` };
  const events: CallEvent[] = [
    {
      ...base,
      eventId: randomUUID(),
      type: 'call.initiated',
      occurredAt: at(0),
      direction: 'inbound',
      otherParty: '+13125550142',
      ourNumber: '+13125550199',
      callerName: 'Dana Whitfield',
      startedAt: at(0),
    },
    { ...base, eventId: randomUUID(), type: 'call.answered', occurredAt: at(2) },
    {
      ...base,
      eventId: randomUUID(),
      type: 'call.hangup',
      occurredAt: at(92),
      endedAt: at(92),
      hangupCause: 'normal_clearing',
      hangupSource: 'caller',
    },
    {
      ...base,
      eventId: randomUUID(),
      type: 'call.recording.saved',
      occurredAt: at(93),
      recording: { url: 'https://example.invalid/r.mp3', format: 'mp3', channels: 2, startedAt: at(2) },
    },
  ];
  return { callSessionId, events };
}

const inOrder = (sid: string, events: CallEvent[]) => {
  const state = newCallState(sid);
  for (const e of events) applyEvent(state, e);
  return snapshot(state);
};

function permutations<T>(items: T[]): T[][] {
  if (items.length <= 1) return [items];
  return items.flatMap((item, i) =>
    permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]),
  );
}

/** A small seeded generator, so a failing draw can be replayed from the seed in its message. */
function prng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

let env: TestWorkflowEnvironment;
let worker: Worker;
let running: Promise<void>;
const taskQueue = `window-${randomUUID()}`;

beforeAll(async () => {
  quietRuntime();
  env = await timeSkippingEnvironment();
  worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowsPath, activities });
  running = worker.run();
}, 180_000);
afterAll(async () => {
  worker?.shutdown();
  await running;
  await env?.teardown();
});

/** Deliver as the webhook intake does: signal-with-start, never restarting a closed run. */
async function deliver(callSessionId: string, event: CallEvent): Promise<'accepted' | 'closed'> {
  try {
    await env.client.workflow.signalWithStart('callWorkflow', {
      workflowId: callWorkflowId(callSessionId),
      taskQueue,
      args: [{ callSessionId }],
      signal: callEventSignal,
      signalArgs: [event],
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
    });
    return 'accepted';
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) return 'closed';
    throw err;
  }
}

/** The end state every answered call must reach, whatever the order and gaps. */
function expectAnswered(callSessionId: string, expected: CallSnapshot, why: string) {
  const r = records.get(idOf(callSessionId))!;
  expect(r.snap, why).toEqual(expected);
  expect(r.stages, why).toEqual({
    record: 'done',
    transcribe: 'done',
    summarize: 'done',
    sentiment: 'done',
    embed: 'done',
    rescore: 'done',
    notify: 'done',
  });
  expect(r.recordings, why).toBeGreaterThanOrEqual(1);
  expect(r.missedAlertStanding, why).toBe(false);
  expect(r.missedAlertsSent, why).toBeLessThanOrEqual(1);
}

describe('call workflow under real-world delivery (time-skipping)', () => {
  it('every order of the four events, with duplicates and gaps of 0-15 s, ends as the in-order call', async () => {
    const orders = permutations([0, 1, 2, 3]);
    const seed = 20261203;
    const random = prng(seed);
    let runs = 0;
    for (const order of orders) {
      for (const duplicates of [false, true]) {
        const call = answeredCall();
        const expected = inOrder(call.callSessionId, call.events);
        const sequence = order.map((i) => call.events[i]!);
        // Telnyx delivers at least once: a redelivery lands anywhere later in the stream.
        if (duplicates) sequence.splice(1 + Math.floor(random() * sequence.length), 0, sequence[0]!);
        const gaps = sequence.map(() => Math.floor(random() * 15_001));
        for (const [i, event] of sequence.entries()) {
          if (i > 0) await env.sleep(gaps[i]!);
          if ((await deliver(call.callSessionId, event)) === 'accepted') continue;
          // Only a redelivery may find the run closed (the call settled): it changes nothing.
          expect(sequence.indexOf(event), 'a first delivery found the run closed').toBeLessThan(i);
          const stored = records.get(idOf(call.callSessionId))!;
          expect(lateEventVerdict({ status: stored.snap!.status, hasRecording: stored.hasRecording }, event)).toBe(
            'unchanged',
          );
        }
        await env.client.workflow.getHandle(callWorkflowId(call.callSessionId)).result();
        expectAnswered(
          call.callSessionId,
          expected,
          `order ${sequence.map((e) => e.type).join(', ')} gaps ${gaps.join('/')} ms (seed ${seed})`,
        );
        runs += 1;
      }
    }
    expect(runs).toBe(48);
  }, 240_000);

  it('an answer that comes 12 s after the rest still makes a missed-looking call answered, the alert withdrawn', async () => {
    const call = answeredCall();
    const [initiated, answered, hangup] = call.events;
    // The case without a recording in between: hangup and initiated, then the answer.
    for (const e of [hangup!, initiated!]) await deliver(call.callSessionId, e);
    await env.sleep(12_000);
    const pr = records.get(idOf(call.callSessionId))!;
    expect(pr.snap?.status).toBe('missed');
    expect(pr.missedAlertStanding).toBe(true);
    expect(await deliver(call.callSessionId, answered!)).toBe('accepted');
    await env.sleep(1_000);
    expect(await deliver(call.callSessionId, call.events[3]!)).toBe('accepted');
    await env.client.workflow.getHandle(callWorkflowId(call.callSessionId)).result();
    expectAnswered(call.callSessionId, inOrder(call.callSessionId, call.events), 'answer 12 s late');
    expect(pr.missedAlertsSent).toBe(1);
  }, 60_000);

  it('stays open for the straggler window after a missed call, then closes', async () => {
    const call = answeredCall();
    const missedHangup = { ...call.events[2]!, hangupCause: 'originator_cancel' };
    for (const e of [call.events[0]!, missedHangup]) await deliver(call.callSessionId, e);
    const handle = env.client.workflow.getHandle(callWorkflowId(call.callSessionId));
    await env.sleep(callTimeouts.stragglerWindowMs - 60_000);
    expect((await handle.describe()).status.name).toBe('RUNNING');
    await handle.result();
    expect(records.get(idOf(call.callSessionId))!.snap?.status).toBe('missed');
    expect(records.get(idOf(call.callSessionId))!.missedAlertStanding).toBe(true);
  }, 60_000);

  it('an event after the window closed reopens the call from its record: nothing is dropped', async () => {
    const call = answeredCall();
    const [initiated, answered, hangup, saved] = call.events;
    for (const e of [hangup!, initiated!]) await deliver(call.callSessionId, e);
    await env.client.workflow.getHandle(callWorkflowId(call.callSessionId)).result();
    const pr = records.get(idOf(call.callSessionId))!;
    expect(pr.snap?.status).toBe('missed');
    // 11 minutes on, Telnyx redelivers the recording, then the answer.
    for (const late of [saved!, answered!]) {
      await env.sleep(30_000);
      if ((await deliver(call.callSessionId, late)) === 'accepted') continue;
      // What the webhook does for a closed run: weigh the event against the record, then reopen.
      const verdict = lateEventVerdict({ status: pr.snap!.status, hasRecording: pr.hasRecording }, late);
      expect(verdict, late.type).toBe('reconcile');
      await env.client.workflow.signalWithStart('callWorkflow', {
        workflowId: callWorkflowId(call.callSessionId),
        taskQueue,
        args: [{ callSessionId: call.callSessionId, reopenPhoneRecordId: idOf(call.callSessionId) }],
        signal: callEventSignal,
        signalArgs: [late],
        workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
      });
    }
    await env.client.workflow.getHandle(callWorkflowId(call.callSessionId)).result();
    expect(pr.snap?.status).toBe('completed');
    expect(pr.snap?.answeredAt).toBe(answered!.occurredAt);
    expect(pr.recordings).toBe(1);
    expect(pr.missedAlertStanding).toBe(false);
    expect(pr.stages.transcribe).toBe('done');
    // A duplicate of what the record already says changes nothing.
    expect(lateEventVerdict({ status: pr.snap!.status, hasRecording: true }, saved!)).toBe('unchanged');
  }, 60_000);
});
