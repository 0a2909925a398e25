/** Nightly rescoring: every contact's relationship score, so "overdue" moves with the calendar, not only with calls. */
import { callApi, type CommandCenterApi } from './api.ts';

export async function main(api: CommandCenterApi) {
  return callApi<{ updated: number; durationMs: number; scorerVersion: string }>(
    api,
    'POST',
    '/api/contacts/update-all-scores',
  );
}
