/** History sync: reconcile the last `hours` of Telnyx detail records; calls we never heard of get their pipeline. */
import { callApi, heartbeat, type CommandCenterApi } from './api.ts';

export async function main(api: CommandCenterApi, hours = 26, limit = 500, heartbeat_url?: string) {
  const since = new Date(Date.now() - hours * 3_600_000).toISOString();
  const result = await callApi<{ workflowId: string; checked?: number; created?: number; alreadyKnown?: number }>(
    api,
    'POST',
    '/api/phone-records/sync',
    { since, limit },
  );
  await heartbeat(heartbeat_url, 'up', `checked ${result.checked ?? '?'}, created ${result.created ?? '?'}`);
  return result;
}
