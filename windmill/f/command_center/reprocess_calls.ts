/** Reprocessing: run today's providers and models over stored calls matching a filter (at most `limit`). */
import { callApi, type CommandCenterApi } from './api.ts';

export async function main(
  api: CommandCenterApi,
  from?: string,
  to?: string,
  contact_id?: string,
  status?: string,
  limit = 100,
) {
  const filter = {
    ...(from ? { from } : {}),
    ...(to ? { to } : {}),
    ...(contact_id ? { contactId: contact_id } : {}),
    ...(status ? { status } : {}),
    limit,
  };
  return callApi<{ started: { workflowId: string; phoneRecordId: string }[] }>(
    api,
    'POST',
    '/api/phone-records/reprocess',
    filter,
  );
}
