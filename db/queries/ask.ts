/**
 * What "ask your calls" reads: the structured facts a question may be about (a contact's last
 * call, what is open with them, who called in a range, what is due), and the words of the calls
 * and messages retrieval found, with where each segment starts in the recording.
 */
import { and, asc, desc, eq, gte, inArray, lt, ne, or, isNull, sql } from 'drizzle-orm';
import type { Database } from '../client.js';
import { contacts, messages, phoneRecords, tasks } from '../schema/index.js';
import { callTime } from './phone-records.js';

export interface NamedContact {
  id: string;
  firstName: string;
  lastName: string;
}

/**
 * Contacts the question names: a full name first, else a first or last name of three letters or
 * more that appears as a word. Most recently contacted first.
 */
export async function contactsNamedIn(db: Database, question: string, limit = 5): Promise<NamedContact[]> {
  const q = ` ${question.toLowerCase().replace(/[^a-z0-9'\s-]/g, ' ')} `;
  const word = (col: typeof contacts.firstName | typeof contacts.lastName) =>
    sql`length(${col}) >= 3 and position(' ' || lower(${col}) || ' ' in ${q}) > 0`;
  const possessive = (col: typeof contacts.firstName | typeof contacts.lastName) =>
    sql`length(${col}) >= 3 and position(' ' || lower(${col}) || '''s ' in ${q}) > 0`;
  const full = sql`position(' ' || lower(${contacts.firstName} || ' ' || ${contacts.lastName}) in ${q}) > 0`;
  return db
    .select({ id: contacts.id, firstName: contacts.firstName, lastName: contacts.lastName })
    .from(contacts)
    .where(
      or(
        sql`${word(contacts.firstName)}`,
        sql`${word(contacts.lastName)}`,
        sql`${possessive(contacts.firstName)}`,
        sql`${possessive(contacts.lastName)}`,
      ),
    )
    .orderBy(sql`(${full} and ${contacts.lastName} <> '') desc`, sql`${contacts.lastContactedAt} desc nulls last`)
    .limit(limit);
}

export interface CallFact {
  id: string;
  at: Date;
  direction: string;
  status: string;
  durationSeconds: number | null;
  summary: string | null;
  contactId: string | null;
  contactName: string | null;
  phoneNumber: string;
}

const callFact = {
  id: phoneRecords.id,
  at: sql<Date>`${callTime}`.mapWith((v: string | Date) => new Date(v)),
  direction: phoneRecords.direction,
  status: phoneRecords.status,
  durationSeconds: phoneRecords.durationSeconds,
  summary: phoneRecords.summary,
  contactId: phoneRecords.contactId,
  contactName: sql<string | null>`nullif(trim(${contacts.firstName} || ' ' || ${contacts.lastName}), '')`,
  phoneNumber: phoneRecords.phoneNumber,
};

/** A contact's calls, the latest first. */
export async function callsWith(db: Database, contactId: string, limit = 3): Promise<CallFact[]> {
  return db
    .select(callFact)
    .from(phoneRecords)
    .leftJoin(contacts, eq(contacts.id, phoneRecords.contactId))
    .where(eq(phoneRecords.contactId, contactId))
    .orderBy(desc(callTime))
    .limit(limit);
}

/** Calls in [from, to), the latest first. */
export async function callsBetween(db: Database, from: Date, to: Date, limit = 20): Promise<CallFact[]> {
  return db
    .select(callFact)
    .from(phoneRecords)
    .leftJoin(contacts, eq(contacts.id, phoneRecords.contactId))
    .where(
      and(sql`${callTime} >= ${from.toISOString()}::timestamptz`, sql`${callTime} < ${to.toISOString()}::timestamptz`),
    )
    .orderBy(desc(callTime))
    .limit(limit);
}

export interface TaskFact {
  id: string;
  title: string;
  owner: string | null;
  dueDate: Date | null;
  phoneRecordId: string | null;
  contactName: string | null;
}

const taskFact = {
  id: tasks.id,
  title: tasks.title,
  owner: tasks.owner,
  dueDate: tasks.dueDate,
  phoneRecordId: tasks.phoneRecordId,
  contactName: sql<string | null>`nullif(trim(${contacts.firstName} || ' ' || ${contacts.lastName}), '')`,
};

/** Open tasks with a contact: the owner's and what the owner waits on. */
export async function openTasksWith(db: Database, contactId: string, limit = 20): Promise<TaskFact[]> {
  return db
    .select(taskFact)
    .from(tasks)
    .leftJoin(contacts, eq(contacts.id, tasks.contactId))
    .where(and(eq(tasks.contactId, contactId), ne(tasks.status, 'done')))
    .orderBy(sql`${tasks.dueDate} asc nulls last`, desc(tasks.createdAt))
    .limit(limit);
}

/** The owner's open tasks due before `until` (overdue included), soonest first. */
export async function tasksDueBefore(db: Database, until: Date, limit = 20): Promise<TaskFact[]> {
  return db
    .select(taskFact)
    .from(tasks)
    .leftJoin(contacts, eq(contacts.id, tasks.contactId))
    .where(
      and(
        ne(tasks.status, 'done'),
        or(isNull(tasks.owner), ne(tasks.owner, 'them')),
        lt(tasks.dueDate, until),
        gte(tasks.dueDate, new Date(0)),
      ),
    )
    .orderBy(asc(tasks.dueDate))
    .limit(limit);
}

export interface SourceText {
  type: 'call' | 'message';
  id: string;
  at: Date;
  contactName: string | null;
  phoneNumber: string;
  /** The words, in order, with their offset in the recording when known. */
  segments: {
    speaker: string;
    text: string;
    startMs: number | null;
    endMs: number | null;
    words?: { startMs: number }[];
  }[];
}

/** The words of the calls and messages retrieval found. */
export async function sourceTexts(db: Database, refs: { type: 'call' | 'message'; id: string }[]) {
  const callIds = refs.filter((r) => r.type === 'call').map((r) => r.id);
  const msgIds = refs.filter((r) => r.type === 'message').map((r) => r.id);
  const name = sql<string | null>`nullif(trim(${contacts.firstName} || ' ' || ${contacts.lastName}), '')`;
  const calls = callIds.length
    ? await db
        .select({
          id: phoneRecords.id,
          at: sql<string>`${callTime}`,
          contactName: name,
          phoneNumber: phoneRecords.phoneNumber,
          transcript: phoneRecords.transcript,
          segments: phoneRecords.speakerSegments,
        })
        .from(phoneRecords)
        .leftJoin(contacts, eq(contacts.id, phoneRecords.contactId))
        .where(inArray(phoneRecords.id, callIds))
    : [];
  const msgs = msgIds.length
    ? await db
        .select({
          id: messages.id,
          at: messages.occurredAt,
          contactName: name,
          phoneNumber: messages.phoneNumber,
          text: messages.text,
          direction: messages.direction,
        })
        .from(messages)
        .leftJoin(contacts, eq(contacts.id, messages.contactId))
        .where(inArray(messages.id, msgIds))
    : [];
  const out = new Map<string, SourceText>();
  for (const c of calls) {
    const segs =
      (c.segments as
        { speaker: string; text: string; startMs?: number; endMs?: number; words?: { startMs: number }[] }[] | null) ??
      [];
    out.set(`call:${c.id}`, {
      type: 'call',
      id: c.id,
      at: new Date(c.at),
      contactName: c.contactName,
      phoneNumber: c.phoneNumber,
      segments:
        segs.length > 0
          ? segs.map((s) => ({
              speaker: s.speaker,
              text: s.text,
              startMs: s.startMs ?? null,
              endMs: s.endMs ?? null,
              words: s.words,
            }))
          : [{ speaker: 'caller', text: c.transcript ?? '', startMs: null, endMs: null }],
    });
  }
  for (const m of msgs)
    out.set(`message:${m.id}`, {
      type: 'message',
      id: m.id,
      at: m.at,
      contactName: m.contactName,
      phoneNumber: m.phoneNumber,
      segments: [
        { speaker: m.direction === 'outbound' ? 'owner' : 'caller', text: m.text, startMs: null, endMs: null },
      ],
    });
  return refs.map((r) => out.get(`${r.type}:${r.id}`)).filter((s): s is SourceText => s !== undefined);
}
