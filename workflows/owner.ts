/**
 * The owner's scheduled notices (started by the API, on Windmill's schedules): one activity each,
 * retried until delivered; the activity's ledger makes a second run of the same week or day a no-op.
 */
import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import { activityProfiles } from '../temporal.config.js';
import type { DigestResult, RemindersResult } from '../contract/index.js';

const owner = proxyActivities<Activities>(activityProfiles.notify);

export async function ownerDigestWorkflow(): Promise<DigestResult> {
  return owner.sendDigest({ nowIso: new Date().toISOString() });
}

export async function remindersWorkflow(): Promise<RemindersResult> {
  return owner.sendReminders({ nowIso: new Date().toISOString() });
}
