/**
 * The call's state as a pure function of the set of events seen so far: order of arrival does not
 * matter (events are ordered by `occurredAt`), duplicates are ignored by event id, and a terminal
 * status never goes back to a live one. Deterministic; safe inside workflow code.
 */
import type { CallEvent, CallSnapshot, CallStatus } from '../contract/index.js';

export interface CallState {
  callSessionId: string;
  eventIds: string[];
  events: CallEvent[];
  duplicatesIgnored: number;
  /**
   * Whether a saved recording proves the call was answered (it does: Telnyx records only a
   * connected call). Off only for runs recorded before CALL_STRAGGLER_WINDOW_PATCH, which replay so.
   */
  recordingProvesAnswer: boolean;
}

export const newCallState = (callSessionId: string, o: { recordingProvesAnswer?: boolean } = {}): CallState => ({
  callSessionId,
  eventIds: [],
  events: [],
  duplicatesIgnored: 0,
  recordingProvesAnswer: o.recordingProvesAnswer ?? true,
});

/** Add an event; returns false (and counts it) when the event id was already seen. */
export function applyEvent(state: CallState, event: CallEvent): boolean {
  if (state.eventIds.includes(event.eventId)) {
    state.duplicatesIgnored += 1;
    return false;
  }
  state.eventIds.push(event.eventId);
  state.events.push(event);
  state.events.sort(
    (a, b) => Date.parse(a.occurredAt) - Date.parse(b.occurredAt) || a.eventId.localeCompare(b.eventId),
  );
  return true;
}

const missedCauses = new Set(['originator_cancel', 'no_answer', 'timeout']);

function hangupStatus(answered: boolean, cause: string | undefined): CallStatus {
  if (answered) return 'completed';
  if (cause === 'call_rejected') return 'rejected';
  if (cause === 'user_busy') return 'busy';
  if (cause && missedCauses.has(cause)) return 'missed';
  if (cause === 'normal_clearing' || cause === 'unspecified' || cause === undefined) return 'missed';
  return 'failed';
}

const first = <K extends keyof CallEvent>(events: CallEvent[], key: K): CallEvent[K] | undefined =>
  events.find((e) => e[key] !== undefined && e[key] !== '')?.[key];

/** The caller's own events: the owner's leg (ring the owner first) never changes what the call was. */
const callerEvents = (state: CallState) => state.events.filter((e) => e.leg !== 'owner');

/** Derive the snapshot from all events seen. */
export function snapshot(state: CallState): CallSnapshot {
  const ev = callerEvents(state);
  const of = (type: CallEvent['type']) => ev.find((e) => e.type === type);
  const hangup = of('call.hangup');
  const answered = of('call.answered');
  const recordingEvent = of('call.recording.saved');
  // The answer's time from the best evidence at hand: the answer itself, the hangup's (TeXML), else
  // when the recording began, since only an answered call is recorded.
  const recordedFrom = state.recordingProvesAnswer
    ? (recordingEvent?.recording?.startedAt ?? recordingEvent?.occurredAt)
    : undefined;
  const answeredAt = answered?.occurredAt ?? hangup?.answeredAt ?? recordedFrom;
  let status: CallStatus = 'initiated';
  if (of('call.ringing')) status = 'ringing';
  if (answeredAt) status = 'answered';
  if (hangup) status = hangupStatus(Boolean(answeredAt), hangup.hangupCause);
  const startedAt = first(ev, 'startedAt') ?? ev[0]?.occurredAt;
  const endedAt = hangup ? (hangup.endedAt ?? hangup.occurredAt) : undefined;
  const talkFrom = answeredAt ?? undefined;
  const durationSeconds =
    hangup && talkFrom && endedAt
      ? Math.max(0, Math.round((Date.parse(endedAt) - Date.parse(talkFrom)) / 1000))
      : hangup
        ? 0
        : undefined;
  return {
    callSessionId: state.callSessionId,
    source: ev[0]?.source ?? 'call_control',
    status,
    terminal: Boolean(hangup),
    direction: first(ev, 'direction') ?? 'inbound',
    otherParty: first(ev, 'otherParty') ?? 'unknown',
    ourNumber: first(ev, 'ourNumber'),
    callerName: first(ev, 'callerName'),
    callControlId: first(ev, 'callControlId'),
    callLegId: first(ev, 'callLegId'),
    startedAt,
    answeredAt,
    endedAt,
    durationSeconds,
    hangupCause: hangup?.hangupCause,
    hangupSource: hangup?.hangupSource,
    lastEventAt: ev[ev.length - 1]?.occurredAt,
    recording: recordingEvent?.recording,
    recordingError: of('call.recording.error')?.recordingError,
  };
}

/** Whether this is a Call Control inbound call we have to answer ourselves (TeXML answers by its document). */
export function needsAnswer(state: CallState): boolean {
  const snap = snapshot(state);
  return (
    snap.source === 'call_control' &&
    snap.direction === 'inbound' &&
    snap.status === 'initiated' &&
    !snap.terminal &&
    Boolean(snap.callControlId)
  );
}

/**
 * Whether no event still to come can change what this call was: it ended answered, the answer
 * and the caller's own event (`call.initiated`, which names them) are in, and its recording (or the
 * word that none will come) has arrived. Until then the call's workflow stays open for stragglers.
 */
export function isSettled(state: CallState): boolean {
  const snap = snapshot(state);
  const ev = callerEvents(state);
  const has = (type: CallEvent['type']) => ev.some((e) => e.type === type);
  const answerSeen = has('call.answered') || ev.some((e) => e.type === 'call.hangup' && e.answeredAt);
  return (
    snap.terminal &&
    snap.status === 'completed' &&
    answerSeen &&
    has('call.initiated') &&
    (snap.recording !== undefined || snap.recordingError !== undefined)
  );
}

/**
 * The owner's leg when the owner is rung first, from the set of its events (any order):
 * `ringing` until Telnyx says more; `human` when answering-machine detection heard a person and
 * the leg is still up; `unavailable` when it heard a machine, silence or a fax, or is not sure
 * (the owner's voicemail must never take the call), or the leg ended before it was put through
 * (no answer, busy, rejected); `bridged` once the legs are bridged. `none`: no owner leg seen.
 */
export type OwnerLegStatus = 'none' | 'ringing' | 'human' | 'unavailable' | 'bridged';

export function ownerLeg(state: CallState): { status: OwnerLegStatus; ended: boolean; why?: string } {
  const ev = state.events.filter((e) => e.leg === 'owner');
  if (ev.length === 0) return { status: 'none', ended: false };
  const hangup = ev.find((e) => e.type === 'call.hangup');
  const ended = Boolean(hangup);
  if (ev.some((e) => e.type === 'call.bridged')) return { status: 'bridged', ended };
  const verdicts = ev.filter((e) => e.type === 'call.machine.detection.ended').map((e) => e.machineResult ?? '');
  const machine = verdicts.find((r) => !/^human/.test(r));
  const human = verdicts.some((r) => /^human/.test(r));
  if (machine !== undefined)
    return { status: 'unavailable', ended, why: machine === 'machine' ? 'voicemail' : machine || 'not sure' };
  if (hangup) return { status: 'unavailable', ended, why: hangupWhy(hangup.hangupCause) };
  return { status: human ? 'human' : 'ringing', ended };
}

/** Why the owner's leg ended before it was put through, in words (no numbers, no names). */
function hangupWhy(cause: string | undefined): string {
  if (cause === 'user_busy') return 'busy';
  if (cause === 'timeout' || cause === 'no_answer' || cause === undefined) return 'no answer';
  if (cause === 'call_rejected') return 'declined';
  return 'hung up';
}
