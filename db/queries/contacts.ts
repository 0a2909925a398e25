/** Contacts: keyset-paged listing and search, caller ID, and merging duplicates. */
import { and, eq, isNull, sql, type SQL } from 'drizzle-orm';
import type { Database } from '../client.js';
import {
  calendarEvents,
  contacts,
  embeddings,
  messages,
  notifications,
  phoneRecords,
  relationshipScores,
  tasks,
} from '../schema/index.js';
import { likeEscape, paginate } from './cursor.js';
import { isUniqueViolation, PhoneTaken } from './errors.js';

export type Contact = typeof contacts.$inferSelect;
export type ContactSort = 'name' | 'score' | 'priority' | 'recent' | 'created';

/** Sort key per order, as SQL and as read back from a row (both sides of the keyset comparison). */
const sortKeys: Record<ContactSort, { expr: SQL; cast: string; asc: boolean; read: (c: Contact) => string | number }> =
  {
    name: {
      expr: sql`lower(${contacts.firstName} || ' ' || ${contacts.lastName})`,
      cast: 'text',
      asc: true,
      read: (c) => `${c.firstName} ${c.lastName}`.toLowerCase(),
    },
    score: {
      expr: sql`coalesce(${contacts.relationshipScore}, -1)`,
      cast: 'int',
      asc: false,
      read: (c) => c.relationshipScore ?? -1,
    },
    // Who most needs a call now (overdue against their own rhythm), as the scorer rates it.
    priority: {
      expr: sql`coalesce(${contacts.relationshipPriority}, -1)`,
      cast: 'real',
      asc: false,
      read: (c) => c.relationshipPriority ?? -1,
    },
    recent: {
      expr: sql`coalesce(${contacts.lastContactedAt}, 'epoch'::timestamptz)`,
      cast: 'timestamptz',
      asc: false,
      read: (c) => (c.lastContactedAt ?? new Date(0)).toISOString(),
    },
    created: {
      expr: sql`${contacts.createdAt}`,
      cast: 'timestamptz',
      asc: false,
      read: (c) => c.createdAt.toISOString(),
    },
  };

export interface ContactListQuery {
  q?: string;
  /** The E.164 form of `q` when it reads as a phone number. */
  qE164?: string | null;
  sort: ContactSort;
  limit: number;
  cursor?: { value: string | number | null; id: string };
}

/** Search by name, company, email or phone (any format, digits matched anywhere in the number). */
function searchCondition(q: string, e164: string | null | undefined): SQL {
  const digits = q.replace(/\D/g, '');
  const looksLikePhone = digits.length >= 3 && /^[\d\s()+.\-/]+$/.test(q.trim());
  if (looksLikePhone) {
    const parts = [sql`${contacts.phoneE164} like ${`%${likeEscape(digits)}%`}`];
    if (e164) parts.unshift(sql`${contacts.phoneE164} = ${e164}`);
    return sql`(${sql.join(parts, sql` or `)})`;
  }
  const pattern = `%${likeEscape(q.toLowerCase())}%`;
  return sql`(lower(${contacts.firstName} || ' ' || ${contacts.lastName}) like ${pattern}
    or lower(coalesce(${contacts.company}, '')) like ${pattern} or lower(coalesce(${contacts.email}, '')) like ${pattern})`;
}

export async function listContacts(db: Database, query: ContactListQuery) {
  const key = sortKeys[query.sort];
  const where: SQL[] = [];
  if (query.q) where.push(searchCondition(query.q, query.qE164));
  if (query.cursor) {
    const { value, id } = query.cursor;
    const op = key.asc ? sql`>` : sql`<`;
    where.push(sql`(${key.expr}, ${contacts.id}) ${op} (${value}::${sql.raw(key.cast)}, ${id}::uuid)`);
  }
  const dir = key.asc ? sql`asc` : sql`desc`;
  const rows = await db
    .select()
    .from(contacts)
    .where(where.length ? and(...where) : undefined)
    .orderBy(sql`${key.expr} ${dir}`, sql`${contacts.id} ${dir}`)
    .limit(query.limit + 1);
  return paginate(rows, query.limit, (c) => [key.read(c), c.id]);
}

export async function getContact(db: Database, id: string): Promise<Contact | null> {
  const [row] = await db.select().from(contacts).where(eq(contacts.id, id)).limit(1);
  return row ?? null;
}

/** Caller ID: one probe of the unique E.164 index, as a prepared statement (it runs on every ring). */
export async function findContactByPhone(db: Database, e164: string): Promise<Contact | null> {
  const lookup = db.$statements.once('caller_id_lookup', () =>
    db
      .select()
      .from(contacts)
      .where(eq(contacts.phoneE164, sql.placeholder('phone')))
      .limit(1)
      .prepare('caller_id_lookup'),
  );
  const [row] = await lookup.execute({ phone: e164 });
  return row ?? null;
}

export interface CallerMatch {
  id: string;
  firstName: string;
  lastName: string;
  company: string | null;
  lastContactedAt: Date | null;
  relationshipScore: number | null;
}

/** Caller ID on ring: the CallerInfo fields of the caller-ID lookup (the same prepared probe). */
export async function identifyCaller(db: Database, e164: string): Promise<CallerMatch | null> {
  const c = await findContactByPhone(db, e164);
  return c
    ? {
        id: c.id,
        firstName: c.firstName,
        lastName: c.lastName,
        company: c.company,
        lastContactedAt: c.lastContactedAt,
        relationshipScore: c.relationshipScore,
      }
    : null;
}

/** Attach calls and messages from this number that arrived before the contact existed. */
export async function claimOrphans(db: Database, contactId: string, e164: string) {
  const calls = await db
    .update(phoneRecords)
    .set({ contactId, updatedAt: sql`now()` })
    .where(and(eq(phoneRecords.phoneNumber, e164), isNull(phoneRecords.contactId)))
    .returning({ id: phoneRecords.id, t: phoneRecords.startedAt });
  const msgs = await db
    .update(messages)
    .set({ contactId, updatedAt: sql`now()` })
    .where(and(eq(messages.phoneNumber, e164), isNull(messages.contactId)))
    .returning({ id: messages.id, t: messages.occurredAt });
  const ids = [...calls, ...msgs].map((r) => r.id);
  let linkedTasks = 0;
  if (ids.length) {
    const idList = `{${ids.join(',')}}`;
    await db.execute(
      sql`update embeddings set contact_id = ${contactId}::uuid where source_id = any(${idList}::uuid[])`,
    );
    // What those calls produced belongs to the contact too: their action items and notifications.
    linkedTasks = (
      await db
        .update(tasks)
        .set({ contactId, updatedAt: sql`now()` })
        .where(and(isNull(tasks.contactId), sql`${tasks.phoneRecordId} = any(${idList}::uuid[])`))
        .returning({ id: tasks.id })
    ).length;
    await db
      .update(notifications)
      .set({ contactId })
      .where(and(isNull(notifications.contactId), sql`${notifications.phoneRecordId} = any(${idList}::uuid[])`));
    await touchLastContacted(db, contactId);
  }
  return { calls: calls.length, messages: msgs.length, tasks: linkedTasks };
}

/**
 * Names a call may contain, most likely first: the caller's contact, then the contacts talked to
 * most recently (for the speech engine's hint words and name repair).
 */
export async function namesToExpect(
  db: Database,
  contactId: string | null,
  recent = 30,
): Promise<{ first: string; last: string }[]> {
  const rows = await db
    .select({ id: contacts.id, first: contacts.firstName, last: contacts.lastName })
    .from(contacts)
    .orderBy(
      sql`(${contacts.id} = ${contactId ?? '00000000-0000-0000-0000-000000000000'}::uuid) desc`,
      sql`${contacts.lastContactedAt} desc nulls last`,
    )
    .limit(recent + 1);
  return rows.map((r) => ({ first: r.first.trim(), last: r.last.trim() })).filter((r) => r.first);
}

/** last_contacted_at = the latest interaction by event time (calls and messages). */
export async function touchLastContacted(db: Database, contactId: string) {
  await db.execute(sql`
    update contacts set last_contacted_at = (
      select max(t) from (
        select coalesce(started_at, created_at) as t from phone_records where contact_id = ${contactId}::uuid
        union all select occurred_at from messages where contact_id = ${contactId}::uuid) x)
     where id = ${contactId}::uuid`);
}

/**
 * Merge `sourceId` into `targetId` in one transaction: calls, messages, tasks, events and
 * passages move over, blank fields are filled from the duplicate, and the duplicate is deleted.
 */
export async function mergeContacts(db: Database, targetId: string, sourceId: string) {
  return db.transaction(async (tx) => {
    const [target] = await tx.select().from(contacts).where(eq(contacts.id, targetId)).for('update');
    const [source] = await tx.select().from(contacts).where(eq(contacts.id, sourceId)).for('update');
    if (!target || !source) return null;
    const moved = {
      phoneRecords: (
        await tx
          .update(phoneRecords)
          .set({ contactId: targetId })
          .where(eq(phoneRecords.contactId, sourceId))
          .returning({ id: phoneRecords.id })
      ).length,
      messages: (
        await tx
          .update(messages)
          .set({ contactId: targetId })
          .where(eq(messages.contactId, sourceId))
          .returning({ id: messages.id })
      ).length,
      tasks: (
        await tx
          .update(tasks)
          .set({ contactId: targetId })
          .where(eq(tasks.contactId, sourceId))
          .returning({ id: tasks.id })
      ).length,
      calendarEvents: (
        await tx
          .update(calendarEvents)
          .set({ contactId: targetId })
          .where(eq(calendarEvents.contactId, sourceId))
          .returning({ id: calendarEvents.id })
      ).length,
    };
    await tx.update(embeddings).set({ contactId: targetId }).where(eq(embeddings.contactId, sourceId));
    await tx.update(notifications).set({ contactId: targetId }).where(eq(notifications.contactId, sourceId));
    await tx.delete(relationshipScores).where(eq(relationshipScores.contactId, sourceId));
    await tx.delete(contacts).where(eq(contacts.id, sourceId));
    const notes = [target.notes, source.notes].filter(Boolean).join('\n\n') || null;
    const [merged] = await tx
      .update(contacts)
      .set({
        lastName: target.lastName || source.lastName,
        company: target.company ?? source.company,
        email: target.email ?? source.email,
        phoneE164: target.phoneE164 ?? source.phoneE164,
        tier: target.tier ?? source.tier,
        cadenceDays: target.cadenceDays ?? source.cadenceDays,
        notes,
        lastContactedAt: sql`greatest(${contacts.lastContactedAt}, ${source.lastContactedAt?.toISOString() ?? null}::timestamptz)`,
        updatedAt: sql`now()`,
      })
      .where(eq(contacts.id, targetId))
      .returning();
    return { contact: merged!, moved, mergedId: sourceId };
  });
}

export type ContactValues = Partial<Omit<typeof contacts.$inferInsert, 'id' | 'createdAt' | 'updatedAt'>>;

/** A write that may collide with another contact's number: PhoneTaken instead of a driver error. */
async function phoneChecked<T>(db: Database, phone: string | null | undefined, write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (err) {
    if (!isUniqueViolation(err)) throw err;
    throw new PhoneTaken(phone ? ((await findContactByPhone(db, phone))?.id ?? null) : null);
  }
}

/** A new contact; throws PhoneTaken when another contact has its number. */
export async function insertContact(
  db: Database,
  values: ContactValues & { firstName: string; lastName: string },
): Promise<Contact> {
  const [row] = await phoneChecked(db, values.phoneE164, () => db.insert(contacts).values(values).returning());
  return row!;
}

/** The fields given; throws PhoneTaken when another contact has the new number. */
export async function updateContact(db: Database, id: string, values: ContactValues): Promise<void> {
  await phoneChecked(db, values.phoneE164, () =>
    db
      .update(contacts)
      .set({ ...values, updatedAt: sql`now()` })
      .where(eq(contacts.id, id)),
  );
}

/** Deletes the contact; its calls and messages stay, unlinked, without the name copied onto them. */
export async function deleteContact(db: Database, id: string): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.update(phoneRecords).set({ callerName: null }).where(eq(phoneRecords.contactId, id));
    await tx.delete(contacts).where(eq(contacts.id, id));
  });
}
