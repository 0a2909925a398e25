/**
 * What the owner hears without asking: the weekly digest (who needs attention, the week's calls,
 * tasks due) and the daily smart reminders (tasks coming due, contacts overdue against their own
 * rhythm), each delivered through the owner's channels at most once: the digest once per week,
 * a reminder once per item per day, however often the schedule (or a retry) runs.
 */
import { overview } from '../db/queries/dashboard.js';
import { contactsOverdue, tasksComingDue, type OverdueContact } from '../db/queries/reminders.js';
import type { DigestResult, RemindersResult } from '../contract/index.js';
import { notifyOwner, type NotifyDeps, type OwnerNotice } from './notify.js';

const DAY = 86_400_000;
const day = (d: Date) => d.toISOString().slice(0, 10);
/** Monday (UTC) of the week `d` is in: the digest's key. */
const weekOf = (d: Date) => day(new Date(d.getTime() - ((d.getUTCDay() + 6) % 7) * DAY));
const lastContact = (c: OverdueContact, now: Date) =>
  c.lastContactedAt
    ? `last contact ${Math.round((now.getTime() - Date.parse(c.lastContactedAt)) / DAY)} days ago`
    : 'never contacted';

export function createOwnerActivities(deps: NotifyDeps) {
  return {
    async sendDigest({ nowIso }: { nowIso: string }): Promise<DigestResult> {
      const now = new Date(nowIso);
      const [o, overdue, due] = await Promise.all([
        overview(deps.db, now, 7),
        contactsOverdue(deps.db, 10),
        tasksComingDue(deps.db, now, 7 * 24),
      ]);
      const c = o.counts as Record<string, number>;
      const markdown = [
        `**This week:** ${c.callsThisWeek} calls (${c.missedCallsThisWeek} missed), ${c.messagesThisWeek} messages, ${c.openTasks} open tasks.`,
        '',
        overdue.length ? '**Reach out to:**' : 'Nobody is overdue.',
        ...overdue.map((p) => `- ${p.name} (${lastContact(p, now)})`),
        ...(due.length
          ? ['', '**Due this week:**', ...due.map((t) => `- ${t.title} (${t.dueDate.slice(0, 10)})`)]
          : []),
      ].join('\n');
      const week = weekOf(now);
      const sent = await notifyOwner(deps, [
        { key: `digest:${week}`, rule: 'weekly_digest', title: `Weekly digest (week of ${week})`, body: markdown },
      ]);
      return { week, markdown, needsAttention: overdue.length, tasksDue: due.length, sent };
    },

    async sendReminders({ nowIso }: { nowIso: string }): Promise<RemindersResult> {
      const now = new Date(nowIso);
      const today = day(now);
      const [due, overdue] = await Promise.all([tasksComingDue(deps.db, now, 24), contactsOverdue(deps.db, 20)]);
      const notices: OwnerNotice[] = [
        ...due.map((t) => ({
          key: `reminder:task:${t.id}:${today}`,
          rule: 'task_due',
          title: `${Date.parse(t.dueDate) < now.getTime() ? 'Overdue' : 'Due soon'}: ${t.title}`,
          body: `Due ${t.dueDate.slice(0, 16).replace('T', ' ')} UTC.`,
          contactId: t.contactId,
        })),
        ...overdue.map((p) => ({
          key: `reminder:contact:${p.id}:${today}`,
          rule: 'contact_overdue',
          title: `Reach out to ${p.name}`,
          body: `Overdue against your usual rhythm (${lastContact(p, now)}).`,
          contactId: p.id,
        })),
      ];
      const sent = await notifyOwner(deps, notices);
      return { day: today, tasks: due.length, contacts: overdue.length, sent };
    },
  };
}
