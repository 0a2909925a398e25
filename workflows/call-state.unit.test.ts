/** The call reducer alone: any arrival order, any duplicates, the same call; terminal never goes back. */
import { describe, expect, it } from 'vitest';
import {
  applyEvent,
  isSettled,
  needsAnswer,
  newCallState,
  ownerLeg,
  snapshot,
  type CallState,
  type OwnerLegStatus,
} from './call-state.js';
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

  it("rejects an owner-leg straggler for a closed call: it never reopens the caller's call", () => {
    const ownerAnswered: CallEvent = { ...answered, eventId: 'o-late', leg: 'owner', callControlId: 'v3:owner' };
    expect(lateEventVerdict({ status: 'missed', hasRecording: false }, ownerAnswered)).toBe('unchanged');
  });
});

/**
 * Ring the owner first: the owner's leg shares the caller's call session id, so its events reach
 * the same workflow, in any order and at any time relative to the caller's. Properties over
 * shuffled arrivals with random gaps: the owner's leg never changes what the caller's call was at
 * any point, and the owner's outcome depends only on the set of its events.
 */
describe("the owner's leg", () => {
  const ownerBase = {
    source: 'call_control' as const,
    callSessionId: session,
    callControlId: 'v3:owner',
    callLegId: 'leg-owner',
    leg: 'owner' as const,
  };
  const o = (id: string, type: CallEvent['type'], s: number, extra: Partial<CallEvent> = {}): CallEvent => ({
    ...ownerBase,
    eventId: `o-${id}`,
    type,
    occurredAt: t(s),
    direction: 'outbound',
    otherParty: '+13125550111',
    ourNumber: '+13125550142',
    ...extra,
  });
  const dialled = o('init', 'call.initiated', 3, { startedAt: t(3) });
  const ownerAnswered = o('ans', 'call.answered', 9);
  const amd = (result: string) => o(`amd-${result}`, 'call.machine.detection.ended', 11, { machineResult: result });
  const ownerHangup = (cause: string, s = 40) =>
    o(`hup-${cause}`, 'call.hangup', s, { hangupCause: cause, endedAt: t(s) });
  const bridgedOwner = o('br', 'call.bridged', 12);
  // The caller's leg is bridged too: its event is the caller's (no owner tag) and harmless.
  const bridgedCaller: CallEvent = { ...base, eventId: 'a-br', type: 'call.bridged', occurredAt: t(12) };

  const scenarios: { name: string; owner: CallEvent[]; caller: CallEvent[]; expected: OwnerLegStatus }[] = [
    {
      name: 'the owner answers in person and is put through',
      owner: [dialled, ownerAnswered, amd('human_residence'), bridgedOwner, ownerHangup('normal_clearing', 61)],
      caller: [initiated, answered, bridgedCaller, hangup, saved],
      expected: 'bridged',
    },
    {
      name: "the owner's voicemail picks up",
      owner: [dialled, ownerAnswered, amd('machine'), ownerHangup('normal_clearing', 14)],
      caller: [initiated, answered, hangup, saved],
      expected: 'unavailable',
    },
    {
      name: 'the owner is busy',
      owner: [dialled, ownerHangup('user_busy', 5)],
      caller: [initiated, answered, hangup, saved],
      expected: 'unavailable',
    },
    {
      name: 'nobody answers before the ring timeout',
      owner: [dialled, ownerHangup('timeout', 23)],
      caller: [initiated, answered, hangup, saved],
      expected: 'unavailable',
    },
    {
      name: 'detection is not sure (treated as voicemail)',
      owner: [dialled, ownerAnswered, amd('not_sure')],
      caller: [initiated, answered, hangup, saved],
      expected: 'unavailable',
    },
    {
      name: 'the owner answered, then hung up before being put through',
      owner: [dialled, ownerAnswered, amd('human_business'), ownerHangup('normal_clearing', 10)],
      caller: [initiated, answered, hangup, saved],
      expected: 'unavailable',
    },
    {
      name: 'the owner answered in person; not yet put through',
      owner: [dialled, ownerAnswered, amd('human')],
      caller: [initiated, answered],
      expected: 'human',
    },
  ];

  // A small seeded generator: the same shuffles on every run, many of them.
  function rng(seed: number) {
    let x = seed >>> 0 || 1;
    return () => (x = (x * 1664525 + 1013904223) >>> 0) / 2 ** 32;
  }
  const shuffle = <T>(items: T[], r: () => number) => {
    const a = [...items];
    for (let i = a.length - 1; i > 0; i--) {
      const j = Math.floor(r() * (i + 1));
      [a[i], a[j]] = [a[j]!, a[i]!];
    }
    return a;
  };
  // Occurred-at shifted by a random gap (up to ±30 s): the owner's events may be stamped before,
  // between or after the caller's, as clocks and retries make them.
  const jitter = (e: CallEvent, r: () => number): CallEvent =>
    e.leg === 'owner'
      ? { ...e, occurredAt: new Date(Date.parse(e.occurredAt) + Math.round((r() - 0.5) * 60_000)).toISOString() }
      : e;

  for (const sc of scenarios) {
    it(`${sc.name}: the caller's call is unchanged at every step of 400 shuffled arrivals (duplicates too)`, () => {
      const r = rng(sc.name.length * 7919);
      for (let round = 0; round < 400; round++) {
        const owner = sc.owner.map((e) => jitter(e, r));
        const arrivals = shuffle([...sc.caller, ...owner, ...owner.filter(() => r() < 0.3)], r);
        const all = newCallState(session);
        const callerOnly = newCallState(session);
        const statuses: OwnerLegStatus[] = [];
        for (const e of arrivals) {
          applyEvent(all, e);
          if (e.leg !== 'owner') applyEvent(callerOnly, e);
          expect(snapshot(all)).toEqual(snapshot(callerOnly));
          expect(needsAnswer(all)).toBe(needsAnswer(callerOnly));
          expect(isSettled(all)).toBe(isSettled(callerOnly));
          statuses.push(ownerLeg(all).status);
        }
        expect(ownerLeg(all).status).toBe(sc.expected);
        // Once unavailable, a leg the workflow never bridged stays unavailable, whatever arrives next.
        if (sc.expected !== 'bridged') {
          const first = statuses.indexOf('unavailable');
          if (first >= 0) expect(statuses.slice(first).every((s) => s === 'unavailable')).toBe(true);
        }
      }
    });
  }

  it('a call nobody dialled the owner for has no owner leg', () => {
    const { state } = run([initiated, answered, hangup, saved]);
    expect(ownerLeg(state)).toEqual({ status: 'none', ended: false });
    const ringing = run([initiated, answered, dialled]).state;
    expect(ownerLeg(ringing)).toEqual({ status: 'ringing', ended: false });
  });
});
