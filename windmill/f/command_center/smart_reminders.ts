/**
 * Smart reminders (the client's guide, task 6.3): tasks coming due within a day and contacts overdue
 * against their usual rhythm, each told to the owner once per day through the owner's channels.
 */
import { callApi, heartbeat, type CommandCenterApi } from './api.ts';

type Reminders = { workflowId: string; day?: string; tasks?: number; contacts?: number; sent?: number };

export async function main(api: CommandCenterApi, heartbeat_url?: string) {
  const r = await callApi<Reminders>(api, 'POST', '/api/owner/reminders');
  await heartbeat(heartbeat_url, 'up', `${r.tasks ?? 0} tasks, ${r.contacts ?? 0} contacts, ${r.sent ?? 0} deliveries`);
  return r;
}
