/**
 * Forgetting a person, a number, or one call or text: everything the product holds about it, in
 * an order that a crash can resume from (the plan is made once and kept in this workflow's
 * encrypted history): the calls and texts listed as erased (so nothing brings them back), Temporal histories (after terminating what still runs), then the
 * recordings, then the rows in one transaction. Returns what was removed.
 */
import { patched, proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import type { ForgetSubject } from '../contract/index.js';
import { activityProfiles, FORGET_SUPPRESS_PATCH } from '../temporal.config.js';

const steps = proxyActivities<Activities>(activityProfiles.forget);

export interface ForgetResult {
  removed: Record<string, number>;
}

export async function forgetWorkflow({ subject }: { subject: ForgetSubject }): Promise<ForgetResult> {
  const plan = await steps.planForget({ subject });
  // First of all, list what goes as erased: a webhook arriving mid-erasure cannot recreate it.
  if (patched(FORGET_SUPPRESS_PATCH)) await steps.suppressErased({ workflowIds: plan.workflowIds });
  const executions = await steps.eraseExecutions({ workflowIds: plan.workflowIds });
  const recordings = await steps.eraseBlobs({ blobs: plan.blobs, names: plan.names });
  const rows = await steps.eraseRows({ plan });
  return { removed: { ...rows, recordings: recordings.deleted, workflowHistories: executions.deleted } };
}
