/** The owner's notifications: the inbox the dashboard and API read. */
import { and, eq, inArray, isNull, isNotNull, ne, sql, type SQL } from 'drizzle-orm';
import type { Database } from '../client.js';
import { notifications } from '../schema/index.js';
import { paginate } from './cursor.js';

export type NotificationRow = typeof notifications.$inferSelect;

export interface NotificationFilter {
  unread?: boolean;
  contactId?: string;
  callId?: string;
  rule?: string;
  limit: number;
  cursor?: { value: string | number | null; id: string };
}

/**
 * The inbox, newest first: one row per notification (the inbox channel's copy; webhook and SMS
 * copies are deliveries of the same notification). Retracted ones are listed with their reason.
 */
export async function listNotifications(db: Database, f: NotificationFilter) {
  const where: (SQL | undefined)[] = [
    eq(notifications.channel, 'inbox'),
    f.unread === true ? isNull(notifications.readAt) : f.unread === false ? isNotNull(notifications.readAt) : undefined,
    f.contactId ? eq(notifications.contactId, f.contactId) : undefined,
    f.callId ? eq(notifications.phoneRecordId, f.callId) : undefined,
    f.rule ? eq(notifications.rule, f.rule) : undefined,
    f.cursor
      ? sql`(${notifications.createdAt}, ${notifications.id}) < (${f.cursor.value}::timestamptz, ${f.cursor.id}::uuid)`
      : undefined,
  ];
  const rows = await db
    .select()
    .from(notifications)
    .where(and(...where.filter((w) => w !== undefined)))
    .orderBy(sql`${notifications.createdAt} desc`, sql`${notifications.id} desc`)
    .limit(f.limit + 1);
  return paginate(rows, f.limit, (n) => [n.createdAt.toISOString(), n.id]);
}

/** Unread notifications in the inbox (retracted ones are not news). */
export async function countUnread(db: Database): Promise<number> {
  const [row] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(notifications)
    .where(
      and(
        eq(notifications.channel, 'inbox'),
        isNull(notifications.readAt),
        sql`${notifications.status} <> 'retracted'`,
      ),
    );
  return Number(row?.n ?? 0);
}

/** Mark one inbox notification read or unread; null when there is no such notification. */
export async function setNotificationRead(db: Database, id: string, read: boolean): Promise<NotificationRow | null> {
  const [row] = await db
    .update(notifications)
    .set({ readAt: read ? sql`coalesce(${notifications.readAt}, now())` : null })
    .where(and(eq(notifications.id, id), eq(notifications.channel, 'inbox')))
    .returning();
  return row ?? null;
}

/** Every notification about one call (all channels), for tests and the call page. */
export async function notificationsForCall(db: Database, phoneRecordId: string): Promise<NotificationRow[]> {
  return db
    .select()
    .from(notifications)
    .where(eq(notifications.phoneRecordId, phoneRecordId))
    .orderBy(notifications.createdAt);
}

export type NotificationInsert = typeof notifications.$inferInsert;
type LedgerRow = { id: string; dedupeKey: string; status: string };

/**
 * The at-most-once ledger: every row in one statement; a row whose dedupe key exists stays as it
 * was, but for the inbox's copy, which is what the owner reads: its title and body become what is
 * known now (a caller named by an event that came after the first pass), unless it was retracted.
 * Nothing is delivered again. Answers the rows added now (`fresh`) and, for `lookup` keys, every row
 * by key (new or old).
 */
export async function recordNotifications(db: Database, rows: NotificationInsert[], lookup: string[]) {
  const inserted = await db
    .insert(notifications)
    .values(rows)
    .onConflictDoNothing({ target: notifications.dedupeKey })
    .returning({ id: notifications.id, dedupeKey: notifications.dedupeKey, status: notifications.status });
  const fresh = new Set(inserted.map((n) => n.dedupeKey));
  const reread = rows.filter((r) => r.channel === 'inbox' && !fresh.has(r.dedupeKey));
  if (reread.length > 0) {
    const latest = sql.join(
      reread.map((r) => sql`(${r.dedupeKey}, ${r.title}, ${r.body})`),
      sql`, `,
    );
    await db.execute(sql`update ${notifications} set title = latest.title, body = latest.body
      from (values ${latest}) as latest (dedupe_key, title, body)
      where ${notifications.dedupeKey} = latest.dedupe_key and ${notifications.status} <> 'retracted'
        and (${notifications.title} <> latest.title or ${notifications.body} <> latest.body)`);
  }
  const byKey = new Map<string, LedgerRow>(inserted.map((n) => [n.dedupeKey, n]));
  const missing = lookup.filter((k) => !byKey.has(k));
  if (missing.length > 0) {
    for (const n of await db
      .select({ id: notifications.id, dedupeKey: notifications.dedupeKey, status: notifications.status })
      .from(notifications)
      .where(inArray(notifications.dedupeKey, missing))) {
      byKey.set(n.dedupeKey, n);
    }
  }
  return { fresh, byKey };
}

export async function markNotificationSent(db: Database, id: string): Promise<void> {
  await db
    .update(notifications)
    .set({ status: 'sent', sentAt: new Date(), error: null })
    .where(eq(notifications.id, id));
}

/** Withdraw a call's notifications of these rules: kept, marked `retracted` with the reason, never sent again. */
export async function retractNotifications(
  db: Database,
  phoneRecordId: string,
  rules: string[],
  reason: string,
): Promise<void> {
  await db
    .update(notifications)
    .set({ status: 'retracted', error: reason })
    .where(
      and(
        eq(notifications.phoneRecordId, phoneRecordId),
        inArray(notifications.rule, rules),
        ne(notifications.status, 'retracted'),
      ),
    );
}
