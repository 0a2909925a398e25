/**
 * The "losing touch" digest, delivered: the API builds it (who is overdue against their own rhythm,
 * the week's calls, tasks due) and sends it through the owner's channels (inbox, webhook, SMS),
 * once per week however often this runs.
 */
import { callApi, heartbeat, type CommandCenterApi } from './api.ts';

type Digest = { workflowId: string; week?: string; markdown?: string; needsAttention?: number; sent?: number };

export async function main(api: CommandCenterApi, heartbeat_url?: string) {
  const digest = await callApi<Digest>(api, 'POST', '/api/owner/digest');
  await heartbeat(heartbeat_url, 'up', `digest ${digest.week ?? 'started'}: ${digest.sent ?? 0} deliveries`);
  // Windmill keeps job results: counts only, never the digest's text (it names people).
  const { workflowId, week, needsAttention, sent } = digest;
  return { workflowId, week, needsAttention, sent };
}
