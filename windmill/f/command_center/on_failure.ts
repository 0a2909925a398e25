/**
 * Every schedule's error handler: Windmill runs it when a scheduled run fails. It turns the
 * schedule's Uptime Kuma push monitor red with the reason, so the operator is alerted by Kuma.
 */
import { heartbeat } from './api.ts';

export async function main(
  error: { message?: string; name?: string },
  path: string,
  schedule_path: string,
  heartbeat_url?: string,
) {
  const reason = `${schedule_path || path} failed: ${error?.name ?? 'Error'}: ${error?.message ?? 'no message'}`;
  await heartbeat(heartbeat_url, 'down', reason);
  return { reported: Boolean(heartbeat_url), reason };
}
