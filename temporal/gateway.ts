/** The API's side of Temporal: durable signal-with-start of call and message workflows. */
import { randomUUID } from 'node:crypto';
import {
  ScheduleAlreadyRunning,
  ScheduleOverlapPolicy,
  WorkflowExecutionAlreadyStartedError,
  WorkflowIdReusePolicy,
  WorkflowNotFoundError,
  type Client,
} from '@temporalio/client';
import { maskPhone } from '../platform/phone.js';
import {
  callWorkflowId,
  forgetWorkflowId,
  messageWorkflowId,
  reprocessWorkflowId,
  searchAttributes,
} from '../temporal.config.js';
import type { ForgetSubject } from '../db/queries/forget.js';
import { callEventSignal, messageEventSignal, receptionistSignal } from '../workflows/signals.js';
import type {
  CallEvent,
  CallWorkflowInput,
  DigestResult,
  MessageEvent,
  ReceptionistMilestone,
  RemindersResult,
  SyncResult,
} from '../contract/index.js';

export interface WorkflowGateway {
  /** Resolves once Temporal has durably accepted the event; 'closed' when the call's workflow already finished. */
  deliverCallEvent(event: CallEvent): Promise<'accepted' | 'closed'>;
  /**
   * A late event that changes a call whose run already closed: a new run of the call's workflow
   * (same id) starts from the stored record with this event, or the event joins that run if one is open.
   */
  reopenCall(event: CallEvent, phoneRecordId: string): Promise<void>;
  deliverMessageEvent(event: MessageEvent): Promise<'accepted' | 'closed'>;
  /**
   * A milestone of the receptionist's conversation to the call's open run; 'closed' when no run of
   * the call is open (the conversation is in the database either way).
   */
  signalReceptionist(callSessionId: string, milestone: ReceptionistMilestone): Promise<'accepted' | 'closed'>;
  startReprocess(input: { callSessionId: string; phoneRecordId: string; requestId: string }): Promise<string>;
  /** Start reconciliation against Telnyx's detail records; waits up to `waitMs` for its result. */
  syncCallHistory(input: {
    sinceIso: string;
    limit: number;
    requestId: string;
    waitMs: number;
  }): Promise<{ workflowId: string; result?: SyncResult }>;
  /** Erase a person, a number or one item (forgetWorkflow); waits up to `waitMs` for what was removed. */
  forget(input: {
    subject: ForgetSubject;
    requestId: string;
    waitMs: number;
  }): Promise<{ workflowId: string; removed?: Record<string, number> }>;
  /**
   * Send the owner the weekly digest or today's reminders (ownerDigestWorkflow / remindersWorkflow);
   * waits up to `waitMs` for what was delivered.
   */
  notifyOwner<K extends 'digest' | 'reminders'>(input: {
    kind: K;
    requestId: string;
    waitMs: number;
  }): Promise<{ workflowId: string; result?: K extends 'digest' ? DigestResult : RemindersResult }>;
  /** Create the daily retention schedule unless it exists (every process may call this at start). */
  ensureRetentionSchedule(): Promise<'created' | 'exists'>;
  /** Rejects when the Temporal frontend does not answer. */
  ping(): Promise<void>;
  /** How many workers polled the task queue lately (workflow and activity pollers). */
  workerPollers(): Promise<number>;
}

/**
 * The inbox relay's deadline for one delivery: a Temporal that is down or stalled fails the attempt
 * quickly and the row is retried later, instead of holding the relay's round (and its lease).
 */
export const DELIVERY_TEMPORAL_DEADLINE_MS = 5_000;
/** The schedule that runs retentionWorkflow once a day. */
export const RETENTION_SCHEDULE_ID = 'retention-daily';
/** Deadline of the REST API's other Temporal calls (reprocess, sync start). */
export const API_TEMPORAL_DEADLINE_MS = 5_000;
/** Readiness checks end (answered or not) before /ready's own 3 s limit, leaving no call behind. */
export const READY_TEMPORAL_DEADLINE_MS = 2_000;

/** A started workflow's result if it comes within `waitMs`, else undefined (it goes on running). */
async function resultWithin<T>(handle: { result(): Promise<unknown> }, waitMs: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), waitMs)));
  try {
    return await Promise.race([handle.result() as Promise<T>, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export interface GatewayOptions {
  /** How long after hangup a call's run stays open for late events (the workflow's default when unset). */
  stragglerWindowMs?: number;
}

export function createWorkflowGateway(client: Client, taskQueue: string, o: GatewayOptions = {}): WorkflowGateway {
  const within = <T>(ms: number, fn: () => Promise<T>) => client.connection.withDeadline(Date.now() + ms, fn);
  const window = o.stragglerWindowMs === undefined ? {} : { stragglerWindowMs: o.stragglerWindowMs };
  const startCall = (event: CallEvent, input: CallWorkflowInput, reuse: WorkflowIdReusePolicy) =>
    within(DELIVERY_TEMPORAL_DEADLINE_MS, () =>
      client.workflow.signalWithStart('callWorkflow', {
        workflowId: callWorkflowId(event.callSessionId),
        taskQueue,
        args: [{ ...input, ...window }],
        signal: callEventSignal,
        signalArgs: [event],
        workflowIdReusePolicy: reuse,
        typedSearchAttributes: [
          { key: searchAttributes.callStatus, value: 'initiated' },
          { key: searchAttributes.callStage, value: 'waiting' },
          ...(event.direction ? [{ key: searchAttributes.callDirection, value: event.direction }] : []),
        ],
        staticSummary:
          `${input.reopenPhoneRecordId ? 'Call reopened by a late event' : 'Call'} ${event.direction ?? ''} ${event.otherParty ? maskPhone(event.otherParty) : ''}`
            .replace(/\s+/g, ' ')
            .trim(),
      }),
    );
  return {
    async deliverCallEvent(event) {
      try {
        // A closed run is never restarted by an event here: the webhook decides whether it matters.
        await startCall(event, { callSessionId: event.callSessionId }, WorkflowIdReusePolicy.REJECT_DUPLICATE);
        return 'accepted';
      } catch (err) {
        if (err instanceof WorkflowExecutionAlreadyStartedError) return 'closed';
        throw err;
      }
    },
    async reopenCall(event, phoneRecordId) {
      // Signals the open run if there is one (another late event reopened it first), else starts one.
      await startCall(
        event,
        { callSessionId: event.callSessionId, reopenPhoneRecordId: phoneRecordId },
        WorkflowIdReusePolicy.ALLOW_DUPLICATE,
      );
    },
    async signalReceptionist(callSessionId, milestone) {
      try {
        await within(DELIVERY_TEMPORAL_DEADLINE_MS, () =>
          client.workflow.getHandle(callWorkflowId(callSessionId)).signal(receptionistSignal, milestone),
        );
        return 'accepted';
      } catch (err) {
        if (err instanceof WorkflowNotFoundError) return 'closed';
        throw err;
      }
    },
    async deliverMessageEvent(event) {
      try {
        await within(DELIVERY_TEMPORAL_DEADLINE_MS, () =>
          client.workflow.signalWithStart('messageWorkflow', {
            workflowId: messageWorkflowId(event.messageId),
            taskQueue,
            args: [{ messageId: event.messageId }],
            signal: messageEventSignal,
            signalArgs: [event],
            workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
            staticSummary: `${event.messageType} ${event.direction} ${maskPhone(event.otherParty)}`,
          }),
        );
        return 'accepted';
      } catch (err) {
        if (err instanceof WorkflowExecutionAlreadyStartedError) return 'closed';
        throw err;
      }
    },
    async startReprocess({ callSessionId, phoneRecordId, requestId }) {
      const handle = await within(API_TEMPORAL_DEADLINE_MS, () =>
        client.workflow.start('callWorkflow', {
          workflowId: reprocessWorkflowId(callSessionId, requestId, randomUUID().slice(0, 8)),
          taskQueue,
          args: [{ callSessionId, reprocessPhoneRecordId: phoneRecordId }],
          staticSummary: 'Reprocess call',
        }),
      );
      return handle.workflowId;
    },
    async syncCallHistory({ sinceIso, limit, requestId, waitMs }) {
      const handle = await within(API_TEMPORAL_DEADLINE_MS, () =>
        client.workflow.start('syncCallHistoryWorkflow', {
          workflowId: `sync-${requestId.slice(0, 40)}-${randomUUID().slice(0, 8)}`,
          taskQueue,
          args: [{ sinceIso, limit }],
          staticSummary: `Reconcile calls since ${sinceIso}`,
        }),
      );
      return { workflowId: handle.workflowId, result: await resultWithin<SyncResult>(handle, waitMs) };
    },
    async forget({ subject, requestId, waitMs }) {
      const handle = await within(API_TEMPORAL_DEADLINE_MS, () =>
        client.workflow.start('forgetWorkflow', {
          workflowId: forgetWorkflowId(`${requestId.slice(0, 40)}-${randomUUID().slice(0, 8)}`),
          taskQueue,
          args: [{ subject }],
          staticSummary: 'Erase on request',
        }),
      );
      const result = await resultWithin<{ removed: Record<string, number> }>(handle, waitMs);
      return { workflowId: handle.workflowId, removed: result?.removed };
    },
    async notifyOwner({ kind, requestId, waitMs }) {
      const handle = await within(API_TEMPORAL_DEADLINE_MS, () =>
        client.workflow.start(kind === 'digest' ? 'ownerDigestWorkflow' : 'remindersWorkflow', {
          workflowId: `${kind}-${requestId.slice(0, 40)}-${randomUUID().slice(0, 8)}`,
          taskQueue,
          args: [],
          staticSummary: kind === 'digest' ? 'Weekly digest for the owner' : 'Reminders for the owner',
        }),
      );
      return { workflowId: handle.workflowId, result: await resultWithin(handle, waitMs) };
    },
    async ensureRetentionSchedule() {
      try {
        await client.schedule.create({
          scheduleId: RETENTION_SCHEDULE_ID,
          spec: { calendars: [{ hour: 3, minute: 17, comment: 'daily, 03:17 UTC' }] },
          action: {
            type: 'startWorkflow',
            workflowType: 'retentionWorkflow',
            taskQueue,
            args: [{}],
            workflowId: 'retention',
          },
          policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 day' },
        });
        return 'created';
      } catch (err) {
        if (err instanceof ScheduleAlreadyRunning) return 'exists';
        throw err;
      }
    },
    async ping() {
      await within(READY_TEMPORAL_DEADLINE_MS, () => client.connection.workflowService.getSystemInfo({}));
    },
    async workerPollers() {
      const res = await within(READY_TEMPORAL_DEADLINE_MS, () =>
        client.connection.workflowService.describeTaskQueue({
          namespace: client.options.namespace,
          // TASK_QUEUE_KIND_NORMAL (1), TASK_QUEUE_TYPE_ACTIVITY (2): the proto enums' values, since
          // @temporalio/proto is CommonJS and loads differently under tsx and vitest.
          taskQueue: { name: taskQueue, kind: 1 },
          taskQueueType: 2,
        }),
      );
      return res.pollers?.length ?? 0;
    },
  };
}
