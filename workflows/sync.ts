/**
 * Reconciliation against Telnyx's detail records: every call Telnyx knows about and we do not
 * gets its own call workflow (same id scheme, so a call that did arrive is never doubled).
 */
import {
  ApplicationFailure,
  ParentClosePolicy,
  patched,
  proxyActivities,
  startChild,
  WorkflowIdReusePolicy,
} from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import { activityProfiles, callWorkflowId, CALL_STRAGGLER_WINDOW_PATCH } from '../temporal.config.js';
import { callWorkflow } from './call.js';
import type { SyncResult } from '../contract/index.js';

const telephony = proxyActivities<Activities>(activityProfiles.callControl);

export async function syncCallHistoryWorkflow({
  sinceIso,
  limit,
}: {
  sinceIso: string;
  limit: number;
}): Promise<SyncResult> {
  if (Number.isNaN(Date.parse(sinceIso))) throw ApplicationFailure.nonRetryable(`since is not a date: ${sinceIso}`);
  const { checked, missing } = await telephony.findUnrecordedCalls({ sinceIso, limit });
  const result: SyncResult = { checked, created: 0, alreadyKnown: checked - missing.length, callSessionIds: [] };
  // Detail records are Telnyx's final word on a call: its run does not wait for stragglers (a late
  // webhook that changes the call reopens it).
  const final = patched(CALL_STRAGGLER_WINDOW_PATCH) ? { stragglerWindowMs: 0 } : {};
  for (const events of missing) {
    const callSessionId = events[0]!.callSessionId;
    try {
      await startChild(callWorkflow, {
        workflowId: callWorkflowId(callSessionId),
        args: [{ callSessionId, initialEvents: events, ...final }],
        parentClosePolicy: ParentClosePolicy.ABANDON,
        workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
        staticSummary: 'Call reconciled from detail records',
      });
      result.created += 1;
      result.callSessionIds.push(callSessionId);
    } catch (err) {
      // A webhook started it meanwhile: it is known, not missing.
      if ((err as Error).name === 'WorkflowExecutionAlreadyStartedError') result.alreadyKnown += 1;
      else throw err;
    }
  }
  return result;
}
