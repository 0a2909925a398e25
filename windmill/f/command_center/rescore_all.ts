/** Nightly rescoring: every contact's relationship score, so "overdue" moves with the calendar, not only with calls. */
import { callApi, heartbeat, type CommandCenterApi } from './api.ts';

export async function main(api: CommandCenterApi, heartbeat_url?: string) {
  const result = await callApi<{ updated: number; durationMs: number; scorerVersion: string }>(
    api,
    'POST',
    '/api/contacts/update-all-scores',
  );
  await heartbeat(heartbeat_url, 'up', `${result.updated} contacts rescored`);
  return result;
}
