/**
 * The retention pass, run daily by the `retention-daily` schedule: what is older than the
 * configured periods (RETAIN_*_DAYS; default keep everything) goes, and the result says how much.
 * `asOfIso` moves the clock (tests, or catching up after downtime).
 */
import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import { activityProfiles } from '../temporal.config.js';

const steps = proxyActivities<Activities>(activityProfiles.forget);

export async function retentionWorkflow(
  input: { asOfIso?: string } = {},
): Promise<{ asOf: string; removed: Record<string, number> }> {
  const asOf = input.asOfIso ?? new Date().toISOString();
  return { asOf, removed: await steps.applyRetentionPolicy({ asOfIso: asOf }) };
}
