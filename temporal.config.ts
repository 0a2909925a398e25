/**
 * Constants safe inside workflow code: workflow ids, search attributes and activity option profiles.
 * Imported by workflows, the API and the worker alike; it must stay free of Node built-ins and I/O.
 */
import { defineSearchAttributeKey, type RetryPolicy } from '@temporalio/common';
import type { ActivityOptions, LocalActivityOptions } from '@temporalio/workflow';

/** Workflow id of the call workflow for one Telnyx call session. */
export const callWorkflowId = (callSessionId: string): string => `call-${callSessionId}`;
/** Workflow id of one erasure run (never derived from the subject: ids stay free of personal data). */
export const forgetWorkflowId = (requestId: string): string => `forget-${requestId}`;
/** Workflow id of the inbound-message workflow for one Telnyx message. */
export const messageWorkflowId = (messageId: string): string => `message-${messageId}`;
/** Workflow ids of a call's reprocessing runs start with this (erasure finds them by it). */
export const reprocessWorkflowPrefix = (callSessionId: string): string => `reprocess-${callSessionId}-`;
/** Workflow id of a reprocessing run: a fresh run per request (`nonce`), never a replay of the original. */
export const reprocessWorkflowId = (callSessionId: string, requestId: string, nonce: string): string =>
  `${reprocessWorkflowPrefix(callSessionId)}${requestId.slice(0, 40)}-${nonce}`;

/** Search attributes the project registers; values never contain phone numbers or names. */
export const searchAttributes = {
  callStatus: defineSearchAttributeKey('CallStatus', 'KEYWORD'),
  callStage: defineSearchAttributeKey('CallStage', 'KEYWORD'),
  callDirection: defineSearchAttributeKey('CallDirection', 'KEYWORD'),
  contactId: defineSearchAttributeKey('ContactId', 'KEYWORD'),
  /** `ok` (every stage done or rightly skipped), `degraded` (some stage failed), `failed` (the audio stages failed). */
  callOutcome: defineSearchAttributeKey('CallOutcome', 'KEYWORD'),
  /** The stages that failed, e.g. `transcribe` (a list, so the Temporal UI can filter on one). */
  failedStages: defineSearchAttributeKey('FailedStages', 'KEYWORD_LIST'),
} as const;

/** `--search-attribute` arguments for the dev server, derived from the keys above. */
export const devServerSearchAttributes: readonly string[] = Object.values(searchAttributes).map(
  (k) => `${k.name}=${k.type === 'KEYWORD_LIST' ? 'KeywordList' : 'Keyword'}`,
);

const vendorRetry: RetryPolicy = {
  initialInterval: '1s',
  backoffCoefficient: 2,
  maximumInterval: '1m',
  maximumAttempts: 8,
  nonRetryableErrorTypes: ['NonRetryableProviderError', 'ValidationError'],
};

/** Activity option profiles, one per kind of stage. */
export const activityProfiles = {
  /** Fast database writes: short timeouts, many quick retries. */
  db: { startToCloseTimeout: '30s', retry: { initialInterval: '200ms', maximumInterval: '10s', maximumAttempts: 20 } },
  /** Telnyx call commands: the call is live, so retry briefly and give up. */
  callControl: { startToCloseTimeout: '15s', retry: { ...vendorRetry, maximumAttempts: 4 } },
  /** The recording URL expires 10 minutes after the call: retry fast, within that window. */
  record: {
    startToCloseTimeout: '2m',
    heartbeatTimeout: '30s',
    retry: { ...vendorRetry, maximumInterval: '20s', maximumAttempts: 10 },
  },
  /** Long audio: heartbeats prove progress. */
  transcribe: { startToCloseTimeout: '20m', heartbeatTimeout: '30s', retry: vendorRetry },
  llm: { startToCloseTimeout: '3m', heartbeatTimeout: '20s', retry: vendorRetry },
  embed: { startToCloseTimeout: '3m', heartbeatTimeout: '20s', retry: vendorRetry },
  notify: { startToCloseTimeout: '1m', retry: { ...vendorRetry, maximumAttempts: 5 } },
  /** Erasure: keeps trying (every step is idempotent) until everything is gone. */
  forget: { startToCloseTimeout: '2m', retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m' } },
} satisfies Record<string, ActivityOptions>;

/**
 * Database-only steps (the call record, stage marks, rescoring, storing a message) run as local
 * activities: in the worker that runs the workflow task, without a round trip through a task
 * queue. Each is one short idempotent write, so a retry after a worker crash repeats nothing.
 */
export const localActivityProfiles = {
  db: {
    startToCloseTimeout: '30s',
    localRetryThreshold: '10s',
    retry: { initialInterval: '200ms', maximumInterval: '10s', maximumAttempts: 20 },
  },
} satisfies Record<string, LocalActivityOptions>;

/*
 * Patch generations, and when each retires.
 *
 * A running workflow replays its history on every worker, so a change to what a workflow does is
 * taken behind `patched(ID)` and both branches live until no run of the old branch can still be
 * open. The histories in workflows/histories/ (one file per generation, `*.v1-*`, `*.v2-*`, ...)
 * prove that every generation still replays.
 *
 * A generation can retire once the newest patch has been deployed for longer than a call can live:
 * the longest call (`callTimeouts.maxCallLengthMs`, 6 h) plus its straggler window (10 min) and the
 * recording and settle waits, with margin: 24 hours. Checked on the cluster with
 *   temporal workflow count --query "WorkflowType='callWorkflow' AND ExecutionStatus='Running' AND StartTime < '<deploy time>'"
 * which must answer 0. Then, in one release: the old branch is deleted and `patched(ID)` becomes
 * `deprecatePatch(ID)` (new runs still write the marker, so a worker of the previous release can
 * replay them during the rollout); the old generation's history files are deleted with it. In the
 * release after that, `deprecatePatch(ID)` is removed. The message workflow's patch retires the same
 * way (a message run lives seconds). The ids below are in the order they were introduced; none is
 * retired yet, because open runs of every generation may exist on installations that upgraded
 * within the last day and the cost of keeping them is a few branches.
 */

/**
 * patched() id of the second call workflow: database steps as local activities, a short wait for
 * stragglers after an unanswered hangup, and a second pipeline pass when late events change the call.
 */
export const CALL_WORKFLOW_V2_PATCH = 'call-workflow-v2';
/**
 * patched() id of the late caller: when the event that names the caller (`call.initiated`) arrives
 * after the pipeline began, the contact's rescore and notifications run for the known contact.
 */
export const CALL_LATE_CONTACT_PATCH = 'call-late-contact';
/**
 * patched() id of the settle wait that ends only on an event that changes what the call was (an
 * answer or a recording), and of the call's outcome in its search attributes and details.
 */
export const CALL_SETTLE_OUTCOME_PATCH = 'call-settle-outcome';
/**
 * patched() id of one activity for every stage mark: a failed stage is recorded with `markStages`,
 * like a skipped one. Runs that predate it call `markStage`, which stays registered until none is open.
 */
export const CALL_STAGE_MARKS_PATCH = 'call-stage-marks';
/**
 * patched() id of the straggler window: a saved recording proves the call was answered, and a
 * call's workflow stays open after its pipeline until no late event can change the call (or the
 * window after hangup ends), re-planning the call when one does.
 */
export const CALL_STRAGGLER_WINDOW_PATCH = 'call-straggler-window';
/**
 * patched() id of the conversation as the transcript: an answered call without a recording whose
 * caller talked to the live receptionist goes through summarize, sentiment and embed on what was said.
 */
export const CALL_CONVERSATION_PATCH = 'call-conversation-transcript';
/**
 * patched() id of the receptionist's end: an answered call without a recording whose conversation
 * started waits (bounded) for the receptionist's `ended` milestone before reading the conversation.
 */
export const CALL_RECEPTIONIST_END_PATCH = 'call-receptionist-end';
/**
 * patched() id of the caller named before they are told about: when an event that arrived while the
 * audio stages ran names the caller (`call.initiated` carries the number) and does not change the
 * call's path, the run stores it before the rescore and the notifications, so that the webhook and
 * SMS name the contact too (they are sent once). Runs before it named them only in the late pass.
 */
export const CALL_CALLER_BEFORE_NOTIFY_PATCH = 'call-caller-before-notify';
/** How long a call's pipeline waits for the receptionist to finish storing its conversation. */
export const RECEPTIONIST_END_WAIT_MS = 30_000;
/**
 * patched() id of ringing the owner first: when the answer says so, the run dials the owner's leg,
 * follows it by its own events, and bridges the caller to the owner or hands the call to the
 * receptionist.
 */
export const CALL_RING_OWNER_PATCH = 'call-ring-owner';
/** How long past the ring time the run waits for the owner's leg to say anything before it gives up on it. */
export const RING_OWNER_GRACE_MS = 15_000;
/** patched() id of erasure's first step: listing the erased calls and texts so nothing recreates them. */
export const FORGET_SUPPRESS_PATCH = 'forget-suppress-first';
/** patched() id of the message workflow's database steps as local activities. */
export const MESSAGE_LOCAL_DB_PATCH = 'message-local-db';

/** How long a call workflow waits for the events it needs. */
export const callTimeouts = {
  /** After hangup, how long to wait for `call.recording.saved`. */
  recordingAfterHangup: '5 minutes',
  /** After a hangup with no answer, how long late (out-of-order) events may still change the call. */
  unansweredSettle: '3 seconds',
  /**
   * After hangup, how long the workflow stays open for late events (Telnyx redelivers for a while;
   * its recording URL lives 10 minutes) unless the call is settled sooner. `CALL_STRAGGLER_WINDOW_SECONDS`.
   */
  stragglerWindowMs: 10 * 60_000,
  /** A call with no terminal event after this many ms is closed as `unknown` (sync reconciles it). */
  maxCallLengthMs: 6 * 3600_000,
} as const;
