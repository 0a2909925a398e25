/**
 * The "losing touch" digest: who needs attention (overdue against their own rhythm, promises open),
 * the week's calls and the tasks due, as one message (markdown) instead of one reminder per contact.
 */
import { callApi, type CommandCenterApi } from './api.ts';

type Person = { firstName: string; lastName: string; priority?: number; lastContactedAt?: string | null };
type Overview = {
  counts: { callsThisWeek: number; missedCallsThisWeek: number; messagesThisWeek: number; openTasks: number };
  needsAttention: Person[];
  upcomingTasks: { title: string; dueDate: string | null }[];
};

export async function main(api: CommandCenterApi) {
  const o = await callApi<Overview>(api, 'GET', '/api/dashboard/overview');
  const name = (p: Person) => `${p.firstName} ${p.lastName}`.trim();
  const since = (d?: string | null) =>
    d ? `${Math.round((Date.now() - Date.parse(d)) / 86_400_000)} days ago` : 'never';
  const lines = [
    `**This week:** ${o.counts.callsThisWeek} calls (${o.counts.missedCallsThisWeek} missed), ${o.counts.messagesThisWeek} messages, ${o.counts.openTasks} open tasks.`,
    '',
    o.needsAttention.length ? '**Reach out to:**' : 'Nobody is overdue.',
    ...o.needsAttention.map((p) => `- ${name(p)} (last contact ${since(p.lastContactedAt)})`),
    ...(o.upcomingTasks.length
      ? [
          '',
          '**Due soon:**',
          ...o.upcomingTasks.map((t) => `- ${t.title}${t.dueDate ? ` (${t.dueDate.slice(0, 10)})` : ''}`),
        ]
      : []),
  ];
  return { markdown: lines.join('\n'), needsAttention: o.needsAttention.length };
}
