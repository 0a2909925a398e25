/** The owner's notifications: the inbox the dashboard and API read. */
import { and, eq, isNull, isNotNull, sql, type SQL } from 'drizzle-orm';
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
    f.cursor ? sql`(${notifications.createdAt}, ${notifications.id}) < (${f.cursor.value}::timestamptz, ${f.cursor.id}::uuid)` : undefined,
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
    .where(and(eq(notifications.channel, 'inbox'), isNull(notifications.readAt), sql`${notifications.status} <> 'retracted'`));
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
  return db.select().from(notifications).where(eq(notifications.phoneRecordId, phoneRecordId)).orderBy(notifications.createdAt);
}
