/**
 * Forgetting a person, a number, or one call or text: everything the product holds about it, in
 * an order that a crash can resume from (the plan is made once and kept in this workflow's
 * encrypted history): Temporal histories first (after terminating what still runs), then the
 * recordings, then the rows in one transaction. Returns what was removed.
 */
import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import type { ForgetSubject } from './contract.js';
import { activityProfiles } from '../temporal.config.js';

const steps = proxyActivities<Activities>(activityProfiles.forget);

export interface ForgetResult {
  removed: Record<string, number>;
}

export async function forgetWorkflow({ subject }: { subject: ForgetSubject }): Promise<ForgetResult> {
  const plan = await steps.planForget({ subject });
  const executions = await steps.eraseExecutions({ workflowIds: plan.workflowIds });
  const recordings = await steps.eraseBlobs({ blobs: plan.blobs });
  const rows = await steps.eraseRows({ plan });
  return { removed: { ...rows, recordings: recordings.deleted, workflowHistories: executions.deleted } };
}
