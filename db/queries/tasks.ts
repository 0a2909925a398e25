/** Tasks: keyset-paged listing (soonest due first, undated last) and writes that keep `completedAt` right. */
import { and, eq, sql } from 'drizzle-orm';
import type { Database } from '../client.js';
import { tasks } from '../schema/index.js';
import { paginate } from './cursor.js';
import { assertReferences } from './references.js';

export type TaskRow = typeof tasks.$inferSelect;
type TaskStatus = TaskRow['status'];

export interface TaskFilter {
  status?: TaskStatus;
  contactId?: string;
  phoneRecordId?: string;
  dueBefore?: string;
  limit: number;
  cursor?: { value: string | number | null; id: string };
}

export interface TaskInput {
  title?: string;
  description?: string | null;
  status?: TaskStatus;
  priority?: TaskRow['priority'];
  dueDate?: string | null;
  owner?: string | null;
  contactId?: string | null;
  phoneRecordId?: string | null;
}

const dueKey = sql`coalesce(${tasks.dueDate}, 'infinity'::timestamptz)`;
const toDate = (v: string | null | undefined) => (v === undefined ? undefined : v === null ? null : new Date(v));

export async function listTasks(db: Database, f: TaskFilter) {
  const where = [
    f.status ? eq(tasks.status, f.status) : undefined,
    f.contactId ? eq(tasks.contactId, f.contactId) : undefined,
    f.phoneRecordId ? eq(tasks.phoneRecordId, f.phoneRecordId) : undefined,
    f.dueBefore ? sql`${tasks.dueDate} < ${f.dueBefore}::timestamptz` : undefined,
    f.cursor ? sql`(${dueKey}, ${tasks.id}) > (${f.cursor.value}::timestamptz, ${f.cursor.id}::uuid)` : undefined,
  ].filter((w) => w !== undefined);
  const rows = await db
    .select()
    .from(tasks)
    .where(where.length ? and(...where) : undefined)
    .orderBy(dueKey, tasks.id)
    .limit(f.limit + 1);
  return paginate(rows, f.limit, (t) => [t.dueDate ? t.dueDate.toISOString() : 'infinity', t.id]);
}

export async function getTask(db: Database, id: string): Promise<TaskRow | null> {
  const [t] = await db.select().from(tasks).where(eq(tasks.id, id));
  return t ?? null;
}

/** A new task; throws ReferenceMissing when its contact or call does not exist. */
export async function createTask(db: Database, input: TaskInput & { title: string }): Promise<TaskRow> {
  await assertReferences(db, input);
  const [row] = await db
    .insert(tasks)
    .values({ ...input, dueDate: toDate(input.dueDate), completedAt: input.status === 'done' ? new Date() : null })
    .returning();
  return row!;
}

/** The fields given; `completedAt` is set when it becomes done (kept when it already was) and cleared otherwise. */
export async function updateTask(db: Database, before: TaskRow, input: TaskInput): Promise<TaskRow> {
  await assertReferences(db, input);
  const completedAt =
    input.status === undefined ? undefined : input.status === 'done' ? (before.completedAt ?? new Date()) : null;
  const [row] = await db
    .update(tasks)
    .set({
      ...input,
      dueDate: toDate(input.dueDate),
      ...(completedAt !== undefined ? { completedAt } : {}),
      updatedAt: sql`now()`,
    })
    .where(eq(tasks.id, before.id))
    .returning();
  return row!;
}

export async function deleteTask(db: Database, id: string): Promise<void> {
  await db.delete(tasks).where(eq(tasks.id, id));
}

/** The tasks a call produced, oldest first. */
export async function tasksOfCall(db: Database, phoneRecordId: string): Promise<TaskRow[]> {
  return db.select().from(tasks).where(eq(tasks.phoneRecordId, phoneRecordId)).orderBy(tasks.createdAt);
}
