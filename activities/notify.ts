/**
 * Notification rules and channels. A row in `notifications` is the at-most-once ledger: one per
 * (call, rule, channel); an external channel is only called while its row is not yet `sent`.
 */
import type { Database } from '../db/client.js';
import { maskPhone } from '../platform/phone.js';
import type { PhoneRecordRow } from '../db/queries/phone-records.js';
import { markNotificationSent, recordNotifications, retractNotifications } from '../db/queries/notifications.js';
import { tasksOfCall } from '../db/queries/tasks.js';
import { callProvider } from './providers/errors.js';
import type { Providers } from './providers/index.js';

export interface NotifyDeps {
  db: Database;
  providers: Providers;
  notify: { webhookUrl?: string; longCallSeconds: number; ownerPhoneNumber?: string };
}

type PhoneRecord = PhoneRecordRow;

interface Decision {
  rule: string;
  title: string;
  body: string;
}

/** Which rules a finished call triggers. */
export async function decideForCall(db: Database, r: PhoneRecord, longCallSeconds: number): Promise<Decision[]> {
  const who = r.contactId && r.callerName ? r.callerName : maskPhone(r.phoneNumber);
  const out: Decision[] = [];
  if ((r.durationSeconds ?? 0) > longCallSeconds) {
    out.push({
      rule: 'long_call',
      title: `${r.direction === 'inbound' ? 'Call from' : 'Call with'} ${who} (${Math.round((r.durationSeconds ?? 0) / 60)} min)`,
      body: r.summary ?? 'Summary pending.',
    });
  }
  if (r.status === 'missed' && r.contactId)
    out.push({ rule: 'missed_known_contact', title: `Missed call from ${who}`, body: 'Call back when you can.' });
  if (r.sentiment === 'negative')
    out.push({
      rule: 'negative_sentiment',
      title: `Tense call with ${who}`,
      body: r.summary ?? 'The call sounded negative.',
    });
  const soon = Date.now() + 2 * 86_400_000;
  const due = (await tasksOfCall(db, r.id)).filter(
    // The owner's own tasks: what a caller promised is waited on, not due from the owner.
    (t) => t.status !== 'done' && t.owner !== 'them' && t.dueDate && t.dueDate.getTime() <= soon,
  );
  if (due.length > 0)
    out.push({
      rule: 'action_items_due_soon',
      title: `${due.length} action item(s) due soon from the call with ${who}`,
      body: due.map((t) => `- ${t.title}`).join('\n'),
    });
  return out;
}

/** Rules that hold only for one way a call can end: withdrawn when the call turned out otherwise. */
const pathRules: Record<string, (r: PhoneRecord) => boolean> = { missed_known_contact: (r) => r.status === 'missed' };

/**
 * Withdraw what was said about a path the call did not take (a "missed call" alert for a call whose
 * answer arrived late): the rows stay, marked `retracted` with the reason, so they are never sent again.
 */
async function retractWrongPaths(db: Database, r: PhoneRecord): Promise<void> {
  const wrong = Object.entries(pathRules)
    .filter(([, holds]) => !holds(r))
    .map(([rule]) => rule);
  if (wrong.length === 0) return;
  await retractNotifications(db, r.id, wrong, `the call turned out ${r.status}`);
}

export async function notifyForCall(deps: NotifyDeps, r: PhoneRecord): Promise<number> {
  await retractWrongPaths(deps.db, r);
  const decisions = await decideForCall(deps.db, r, deps.notify.longCallSeconds);
  return notifyOwner(
    deps,
    decisions.map((d) => ({
      ...d,
      key: `call:${r.id}:${d.rule}`,
      contactId: r.contactId,
      phoneRecordId: r.id,
    })),
  );
}

/** Something to tell the owner once: `key` names it in the ledger (one row per channel). */
export interface OwnerNotice extends Decision {
  key: string;
  contactId?: string | null;
  phoneRecordId?: string | null;
}

/**
 * Tell the owner, through every configured channel (the inbox always; the webhook and SMS when
 * set), each notice at most once per channel: the ledger row (`<key>:<channel>`) is written first,
 * and an external channel is only called while its row is not yet sent. Answers how many
 * deliveries happened now (a retry of a finished delivery answers 0).
 */
export async function notifyOwner(deps: NotifyDeps, notices: OwnerNotice[]): Promise<number> {
  if (notices.length === 0) return 0;
  const channels = [
    'inbox',
    ...(deps.notify.webhookUrl ? ['webhook'] : []),
    ...(deps.notify.ownerPhoneNumber ? ['sms'] : []),
  ];
  const planned = notices.flatMap((notice) =>
    channels.map((channel) => ({ notice, channel, dedupeKey: `${notice.key}:${channel}` })),
  );
  const rows = planned.map(({ notice: n, channel, dedupeKey }) => ({
    dedupeKey,
    rule: n.rule,
    channel,
    title: n.title,
    body: n.body,
    contactId: n.contactId ?? null,
    phoneRecordId: n.phoneRecordId ?? null,
    data: n.phoneRecordId ? { phoneRecordId: n.phoneRecordId } : null,
    // The inbox row is the delivery itself: written as sent, unless it exists.
    ...(channel === 'inbox' ? { status: 'sent', sentAt: new Date() } : {}),
  }));
  // Every (notice, channel) row in one statement; the rows that were there already are from an
  // earlier attempt, and an external channel is only called again if its row was not sent.
  const external = planned.filter((n) => n.channel !== 'inbox').map((n) => n.dedupeKey);
  const { fresh, byKey: known } = await recordNotifications(deps.db, rows, external);
  let sent = 0;
  for (const { notice, channel, dedupeKey } of planned) {
    if (channel === 'inbox') {
      if (fresh.has(dedupeKey)) sent += 1;
      continue;
    }
    const row = known.get(dedupeKey);
    // Sent already, or withdrawn (a retracted notice is never sent again).
    if (!row || row.status === 'sent' || row.status === 'retracted') continue;
    await deliver(deps, channel, notice, dedupeKey, notice.phoneRecordId ?? undefined);
    await markNotificationSent(deps.db, row.id);
    sent += 1;
  }
  return sent;
}

async function deliver(deps: NotifyDeps, channel: string, d: Decision, key: string, phoneRecordId?: string) {
  if (channel === 'inbox') return;
  if (channel === 'webhook') {
    await callProvider('notify-webhook', async () => {
      const res = await fetch(deps.notify.webhookUrl!, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'idempotency-key': key },
        // `text` is what Slack reads, `content` what Discord reads.
        body: JSON.stringify({
          text: `*${forSlack(d.title)}*\n${forSlack(d.body)}`,
          content: `**${forDiscord(d.title)}**\n${forDiscord(d.body)}`,
          // Discord: no @everyone, @here, role or user pings, whatever the text says.
          allowed_mentions: { parse: [] },
          rule: d.rule,
          ...(phoneRecordId ? { phoneRecordId } : {}),
        }),
        signal: AbortSignal.timeout(15_000),
      });
      if (!res.ok) throw Object.assign(new Error('webhook rejected the notification'), { status: res.status });
    });
    return;
  }
  await callProvider(deps.providers.telephony.name, () =>
    deps.providers.telephony.sendSms({
      to: deps.notify.ownerPhoneNumber!,
      text: `${d.title}\n${d.body}`.slice(0, 600),
    }),
  );
}

/**
 * Text from a call (a summary, a caller's name) as Slack shows it: `&`, `<` and `>` escaped, so it
 * cannot form `<!channel>` pings or `<url|label>` links.
 */
export const forSlack = (text: string): string =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** Text from a call as Discord shows it: markdown (emphasis, code, quotes, masked links) escaped. */
export const forDiscord = (text: string): string => text.replace(/([\\*_~`|>#[\]])/g, '\\$1');
