/**
 * Late call events: an event whose call's workflow already closed is weighed against the stored
 * record. The webhook path and the workflow tests share this rule.
 */
import type { CallEvent, CallStatus } from '../../../contract/index.js';

/** What the stored record of a closed call says, as far as a late event can change it. */
export interface StoredCallOutcome {
  status: CallStatus;
  /** The recording is already copied out of Telnyx. */
  hasRecording: boolean;
}

/**
 * A late event for a call whose workflow already closed: `reconcile` when it changes what the
 * call was (an answer, or a recording for a call that has none), `unchanged` when it repeats what
 * the record already says.
 */
export function lateEventVerdict(stored: StoredCallOutcome, event: CallEvent): 'reconcile' | 'unchanged' {
  // The owner's leg (ring the owner first) says nothing about what the caller's call was.
  if (event.leg === 'owner') return 'unchanged';
  const provesAnswer =
    event.type === 'call.answered' ||
    event.type === 'call.recording.saved' ||
    (event.type === 'call.hangup' && Boolean(event.answeredAt));
  if (provesAnswer && stored.status !== 'completed') return 'reconcile';
  if (event.type === 'call.recording.saved' && !stored.hasRecording) return 'reconcile';
  return 'unchanged';
}
