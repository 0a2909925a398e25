/**
 * The vocabulary of a call and a text, shared as types by every room: the workflows (which own
 * the reducer and the signals), the activities, the queries and the API. It is the bottom floor: it
 * imports nothing of the project, so importing it never couples one room to another's
 * implementation. The stage list and the other enumerations are in `stages.ts`.
 */
export type CallEventType =
  | 'call.initiated'
  | 'call.ringing'
  | 'call.answered'
  | 'call.hangup'
  | 'call.recording.saved'
  | 'call.recording.error'
  /** Answering-machine detection ended on a leg we dialled (standard or premium). */
  | 'call.machine.detection.ended'
  | 'call.bridged';

export type CallDirection = 'inbound' | 'outbound';

/** A voice event from either Telnyx format (Call Control JSON or TeXML form), normalised. */
export interface CallEvent {
  /** Idempotency key: Telnyx `data.id`, or a key derived from the TeXML callback. */
  eventId: string;
  type: CallEventType;
  occurredAt: string;
  source: 'call_control' | 'texml';
  callSessionId: string;
  callControlId?: string;
  callLegId?: string;
  direction?: CallDirection;
  /** The other party (E.164 when a number), and our number. */
  otherParty?: string;
  ourNumber?: string;
  callerName?: string;
  startedAt?: string;
  endedAt?: string;
  /** TeXML completed callbacks carry the answer time instead of a separate answered event. */
  answeredAt?: string;
  hangupCause?: string;
  hangupSource?: string;
  recording?: {
    url: string;
    format: 'mp3' | 'wav';
    channels: number;
    durationSeconds?: number;
    /** When the recording began (Telnyx `recording_started_at`): a recording exists only for an answered call. */
    startedAt?: string;
  };
  recordingError?: string;
  /**
   * `owner`: the owner's leg, dialled by the call's workflow to ring the owner first (it shares the
   * caller's call session id; told apart by the `client_state` it was dialled with). Its events
   * never change what the caller's call was.
   */
  leg?: 'owner';
  /** `call.machine.detection.ended`: Telnyx's result (`human`, `human_residence`, `machine`, `silence`, …). */
  machineResult?: string;
}

/**
 * The `client_state` the owner's leg is dialled with (Telnyx echoes it, base64, on every event of
 * that leg): how the call's workflow tells the owner's leg from the caller's.
 */
export const OWNER_LEG_CLIENT_STATE = 'Y29tbWFuZC1jZW50ZXI6b3duZXItbGVn'; // base64 of "command-center:owner-leg"

import type { CallStatus, StageName, StageState } from './stages.js';
export * from './stages.js';

export interface CallProgress {
  callSessionId: string;
  status: CallStatus;
  stage: StageName | 'waiting' | 'finished';
  stages: Partial<Record<StageName, StageState>>;
  eventsSeen: number;
  duplicatesIgnored: number;
  phoneRecordId?: string;
  /** Once finished: `ok`, `degraded` (a later stage failed) or `failed` (no transcript from its audio). */
  outcome?: 'ok' | 'degraded' | 'failed';
  /** The live receptionist's milestones on this call, in order (`started` … `ended:<result>`). */
  receptionist?: string[];
  /**
   * Ringing the owner first: `ringing`, then `put through` or `not taken (<why>)` (no answer, busy,
   * voicemail, the caller hung up, or the dial failed).
   */
  ownerRing?: string;
}

/**
 * A milestone of the live receptionist's conversation, signalled to the call's workflow by the API
 * process holding the stream (never per utterance; no words, names or numbers: those stay in the
 * database). `ended` carries how the conversation ended.
 */
/** How a live conversation ended (stored with it, and the `ended` milestone's result). */
export type ReceptionistResult =
  | 'message_taken'
  | 'callback_booked'
  | 'transfer_requested'
  /** The owner answered (ring the owner first) and the call was put through. */
  | 'transferred'
  | 'caller_hung_up'
  | 'time_limit'
  | 'dropped';

export interface ReceptionistMilestone {
  kind: 'started' | 'message_taken' | 'callback_booked' | 'transfer_requested' | 'ended';
  /** Since the stream started. */
  atMs: number;
  result?: ReceptionistResult;
}

/** The call workflow's input (`callWorkflow`): how a run of a call starts. */
export interface CallWorkflowInput {
  callSessionId: string;
  /** Set by reprocessing: run the pipeline over the stored call without waiting for events. */
  reprocessPhoneRecordId?: string;
  /** Set by reconciliation: events known from Telnyx's detail records, applied before any signal. */
  initialEvents?: CallEvent[];
  /**
   * Set when a late event changes a call whose earlier run already closed: this run starts from the
   * stored record (and the stored recording), applies the late event, and re-plans the call.
   */
  reopenPhoneRecordId?: string;
  /** How long after hangup the run stays open for late events (default `callTimeouts.stragglerWindowMs`). */
  stragglerWindowMs?: number;
}

/** Inbound SMS/MMS, normalised. */
export interface MessageEvent {
  eventId: string;
  type: 'message.received' | 'message.sent' | 'message.finalized';
  occurredAt: string;
  messageId: string;
  direction: 'inbound' | 'outbound';
  messageType: 'SMS' | 'MMS';
  otherParty: string;
  ourNumber?: string;
  text: string;
  media: { url: string; contentType?: string; size?: number }[];
  status: string;
}

/** What a reconciliation run against Telnyx's detail records found and started. */
export interface SyncResult {
  checked: number;
  created: number;
  alreadyKnown: number;
  callSessionIds: string[];
}

/** The weekly digest as delivered (the inbox, and the webhook and SMS when configured). */
export interface DigestResult {
  /** Monday (UTC) of the week: a digest is delivered once per week. */
  week: string;
  markdown: string;
  needsAttention: number;
  tasksDue: number;
  /** Deliveries made by this run (0 when this week's digest was already delivered). */
  sent: number;
}

/** Today's smart reminders: each task coming due and each overdue contact, once per day. */
export interface RemindersResult {
  day: string;
  tasks: number;
  contacts: number;
  /** Deliveries made by this run (0 when everything was already said today). */
  sent: number;
}

/** Who or what an erasure removes: a contact, a number, one call, or one text. */
export type ForgetSubject =
  { contactId: string } | { e164: string } | { phoneRecordId: string } | { messageId: string };

/** The facts about a call that the phone record stores, derived from its events. */
export interface CallSnapshot {
  callSessionId: string;
  source: 'call_control' | 'texml';
  status: CallStatus;
  terminal: boolean;
  direction: CallDirection;
  otherParty: string;
  ourNumber?: string;
  callerName?: string;
  callControlId?: string;
  callLegId?: string;
  startedAt?: string;
  answeredAt?: string;
  endedAt?: string;
  durationSeconds?: number;
  hangupCause?: string;
  hangupSource?: string;
  lastEventAt?: string;
  recording?: CallEvent['recording'];
  recordingError?: string;
}
