/** The call reducer alone: any arrival order, any duplicates, the same call; terminal never goes back. */
import { describe, expect, it } from 'vitest';
import { applyEvent, needsAnswer, newCallState, snapshot, type CallState } from './call-state.js';
import type { CallEvent } from './contract.js';

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
});
