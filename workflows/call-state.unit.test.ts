/** The call reducer alone: any arrival order, any duplicates, the same call; terminal never goes back. */
import { describe, expect, it } from 'vitest';
import { applyEvent, isSettled, needsAnswer, newCallState, snapshot, type CallState } from './call-state.js';
import { lateEventVerdict } from '../api/webhooks/telnyx/late-events.js';
import type { CallEvent } from '../contract/index.js';

const session = 'b1f7c2d4-0000-4000-8000-000000000001';
const t = (s: number) => new Date(Date.UTC(2026, 10, 30, 12, 0, s)).toISOString();
const base = { source: 'call_control' as const, callSessionId: session, callControlId: 'v3:abc', callLegId: 'leg-1' };

const initiated: CallEvent = {
  ...base,
  eventId: 'e1',
  type: 'call.initiated',
  occurredAt: t(0),
  direction: 'inbound',
  otherParty: '+13125550142',
  ourNumber: '+13125550199',
  callerName: 'Ada',
  startedAt: t(0),
};
const answered: CallEvent = { ...base, eventId: 'e2', type: 'call.answered', occurredAt: t(2) };
const hangup: CallEvent = {
  ...base,
  eventId: 'e3',
  type: 'call.hangup',
  occurredAt: t(62),
  endedAt: t(62),
  hangupCause: 'normal_clearing',
  hangupSource: 'caller',
};
const saved: CallEvent = {
  ...base,
  eventId: 'e4',
  type: 'call.recording.saved',
  occurredAt: t(63),
  recording: { url: 'https://example.telnyx.com/r.mp3', format: 'mp3', channels: 2 },
};

function permutations<T>(items: T[]): T[][] {
  if (items.length <= 1) return [items];
  return items.flatMap((item, i) =>
    permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]),
  );
}

function run(events: CallEvent[]): { state: CallState; statuses: { status: string; terminal: boolean }[] } {
  const state = newCallState(session);
  const statuses = events.map((e) => {
    applyEvent(state, e);
    const s = snapshot(state);
    return { status: s.status, terminal: s.terminal };
  });
  return { state, statuses };
}

const LIVE = ['initiated', 'ringing', 'answered'];

describe('call state', () => {
  it('derives the same answered call from all 24 arrival orders of its four events, each delivered twice', () => {
    const expected = snapshot(run([initiated, answered, hangup, saved]).state);
    expect(expected).toMatchObject({
      status: 'completed',
      terminal: true,
      direction: 'inbound',
      otherParty: '+13125550142',
      ourNumber: '+13125550199',
      callerName: 'Ada',
      startedAt: t(0),
      answeredAt: t(2),
      endedAt: t(62),
      durationSeconds: 60,
      hangupCause: 'normal_clearing',
      recording: saved.recording,
    });
    const orders = permutations([initiated, answered, hangup, saved]);
    expect(orders).toHaveLength(24);
    for (const order of orders) {
      const { state, statuses } = run(order.flatMap((e) => [e, { ...e }]));
      expect(snapshot(state)).toEqual(expected);
      expect(state.duplicatesIgnored).toBe(4);
      // Once the hangup is in, the call never reads as live again.
      const firstTerminal = statuses.findIndex((s) => s.terminal);
      for (const s of statuses.slice(firstTerminal)) {
        expect(s.terminal).toBe(true);
        expect(LIVE).not.toContain(s.status);
      }
    }
  });

  it('a missed call is missed in either order, with no talk time', () => {
    const cancel: CallEvent = { ...hangup, hangupCause: 'originator_cancel', occurredAt: t(20), endedAt: t(20) };
    for (const order of permutations([initiated, cancel])) {
      expect(snapshot(run(order).state)).toMatchObject({
        status: 'missed',
        terminal: true,
        durationSeconds: 0,
        answeredAt: undefined,
      });
    }
  });

  it('a hangup that overtakes its answer becomes completed when the answer arrives', () => {
    const { state, statuses } = run([hangup, answered]);
    expect(statuses).toEqual([
      { status: 'missed', terminal: true },
      { status: 'completed', terminal: true },
    ]);
    expect(snapshot(state).durationSeconds).toBe(60);
  });

  it('names the outcome by the hangup cause when nobody answered', () => {
    const outcome = (hangupCause: string) => snapshot(run([initiated, { ...hangup, hangupCause }]).state).status;
    expect(outcome('call_rejected')).toBe('rejected');
    expect(outcome('user_busy')).toBe('busy');
    expect(outcome('no_answer')).toBe('missed');
    expect(outcome('timeout')).toBe('missed');
    expect(outcome('destination_out_of_order')).toBe('failed');
  });

  it('applyEvent refuses a duplicate event id and counts it', () => {
    const state = newCallState(session);
    expect(applyEvent(state, initiated)).toBe(true);
    expect(applyEvent(state, { ...initiated, occurredAt: t(30) })).toBe(false);
    expect(state.events).toHaveLength(1);
    expect(state.duplicatesIgnored).toBe(1);
  });

  it('answers only a live inbound Call Control call it has a control id for', () => {
    expect(needsAnswer(run([initiated]).state)).toBe(true);
    expect(needsAnswer(run([initiated, answered]).state)).toBe(false);
    expect(needsAnswer(run([initiated, hangup]).state)).toBe(false);
    expect(needsAnswer(run([{ ...initiated, source: 'texml' }]).state)).toBe(false);
    expect(needsAnswer(run([{ ...initiated, direction: 'outbound' }]).state)).toBe(false);
    expect(needsAnswer(run([{ ...initiated, callControlId: undefined }]).state)).toBe(false);
  });

  it('a recording proves the answer: a hangup and a recording without the answer make a completed call', () => {
    const recorded = { ...saved, recording: { ...saved.recording!, startedAt: t(2) } };
    for (const order of permutations([initiated, hangup, recorded])) {
      expect(snapshot(run(order).state)).toMatchObject({ status: 'completed', answeredAt: t(2), durationSeconds: 60 });
    }
    // Without recording_started_at, the recording's own time stands in for the answer.
    expect(snapshot(run([initiated, hangup, saved]).state)).toMatchObject({ status: 'completed', answeredAt: t(63) });
    // The answer itself wins once it arrives.
    expect(snapshot(run([hangup, saved, answered]).state).answeredAt).toBe(t(2));
    // Runs recorded before the rule replay as they ran: missed.
    const old = newCallState(session, { recordingProvesAnswer: false });
    for (const e of [initiated, hangup, saved]) applyEvent(old, e);
    expect(snapshot(old).status).toBe('missed');
  });

  it('is settled only when no event still to come can change the call', () => {
    const settled = (events: CallEvent[]) => isSettled(run(events).state);
    expect(settled([initiated, answered, hangup, saved])).toBe(true);
    expect(settled([initiated, answered, hangup])).toBe(false); // the recording may come
    expect(settled([answered, hangup, saved])).toBe(false); // the caller's own event may come
    expect(settled([initiated, hangup, saved])).toBe(false); // the answer may come
    expect(settled([initiated, { ...hangup, hangupCause: 'originator_cancel' }])).toBe(false); // missed: an answer may come
    const error: CallEvent = {
      ...base,
      eventId: 'e5',
      type: 'call.recording.error',
      occurredAt: t(63),
      recordingError: 'x',
    };
    expect(settled([initiated, answered, hangup, error])).toBe(true);
  });

  it('weighs a late event for a closed call against its record', () => {
    expect(lateEventVerdict({ status: 'missed', hasRecording: false }, answered)).toBe('reconcile');
    expect(lateEventVerdict({ status: 'missed', hasRecording: false }, saved)).toBe('reconcile');
    expect(lateEventVerdict({ status: 'completed', hasRecording: false }, saved)).toBe('reconcile');
    expect(lateEventVerdict({ status: 'completed', hasRecording: true }, saved)).toBe('unchanged');
    expect(lateEventVerdict({ status: 'completed', hasRecording: true }, answered)).toBe('unchanged');
    expect(lateEventVerdict({ status: 'missed', hasRecording: false }, initiated)).toBe('unchanged');
    expect(lateEventVerdict({ status: 'missed', hasRecording: false }, hangup)).toBe('unchanged');
    expect(lateEventVerdict({ status: 'missed', hasRecording: false }, { ...hangup, answeredAt: t(2) })).toBe(
      'reconcile',
    );
  });
});
