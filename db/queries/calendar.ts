/** Calendar events: keyset-paged in time order, and their writes. */
import { and, eq, sql } from 'drizzle-orm';
import type { Database } from '../client.js';
import { calendarEvents } from '../schema/index.js';
import { paginate } from './cursor.js';
import { assertReferences } from './references.js';

export type CalendarEventRow = typeof calendarEvents.$inferSelect;

export interface CalendarFilter {
  from?: string;
  to?: string;
  contactId?: string;
  limit: number;
  cursor?: { value: string | number | null; id: string };
}

export interface CalendarEventInput {
  title?: string;
  description?: string | null;
  location?: string | null;
  startTime?: Date;
  endTime?: Date | null;
  contactId?: string | null;
}

export async function listCalendarEvents(db: Database, f: CalendarFilter) {
  const where = [
    f.from ? sql`${calendarEvents.startTime} >= ${f.from}::timestamptz` : undefined,
    f.to ? sql`${calendarEvents.startTime} < ${f.to}::timestamptz` : undefined,
    f.contactId ? eq(calendarEvents.contactId, f.contactId) : undefined,
    f.cursor
      ? sql`(${calendarEvents.startTime}, ${calendarEvents.id}) > (${f.cursor.value}::timestamptz, ${f.cursor.id}::uuid)`
      : undefined,
  ].filter((w) => w !== undefined);
  const rows = await db
    .select()
    .from(calendarEvents)
    .where(where.length ? and(...where) : undefined)
    .orderBy(calendarEvents.startTime, calendarEvents.id)
    .limit(f.limit + 1);
  return paginate(rows, f.limit, (e) => [e.startTime.toISOString(), e.id]);
}

export async function getCalendarEvent(db: Database, id: string): Promise<CalendarEventRow | null> {
  const [e] = await db.select().from(calendarEvents).where(eq(calendarEvents.id, id));
  return e ?? null;
}

/** A new event; throws ReferenceMissing when its contact does not exist. */
export async function createCalendarEvent(
  db: Database,
  input: CalendarEventInput & { title: string; startTime: Date },
): Promise<CalendarEventRow> {
  await assertReferences(db, input);
  const [row] = await db.insert(calendarEvents).values(input).returning();
  return row!;
}

export async function updateCalendarEvent(
  db: Database,
  id: string,
  input: CalendarEventInput,
): Promise<CalendarEventRow> {
  await assertReferences(db, input);
  const [row] = await db
    .update(calendarEvents)
    .set({ ...input, updatedAt: sql`now()` })
    .where(eq(calendarEvents.id, id))
    .returning();
  return row!;
}

export async function deleteCalendarEvent(db: Database, id: string): Promise<void> {
  await db.delete(calendarEvents).where(eq(calendarEvents.id, id));
}
