/** Queries on phone_records used by the call workflow's activities. */
import { and, eq, sql } from 'drizzle-orm';
import type { Database } from '../client.js';
import { contacts, phoneRecords } from '../schema/index.js';

export interface CallFacts {
  callSessionId: string;
  source: string;
  status: string;
  direction: string;
  otherParty: string;
  ourNumber?: string;
  callerName?: string;
  callControlId?: string;
  callLegId?: string;
  startedAt?: string;
  answeredAt?: string;
  endedAt?: string;
  durationSeconds?: number;
  hangupCause?: string;
  hangupSource?: string;
  lastEventAt?: string;
}

const date = (v: string | undefined) => (v ? new Date(v) : null);

/**
 * Insert or update the one phone record of a call session (unique on call_session_id), matching
 * the caller to a contact by E.164. Idempotent: the same facts give the same row.
 */
export async function upsertCallRecord(db: Database, facts: CallFacts) {
  const [contact] = await db
    .select({ id: contacts.id, firstName: contacts.firstName, lastName: contacts.lastName })
    .from(contacts)
    .where(eq(contacts.phoneE164, facts.otherParty))
    .limit(1);
  const values = {
    callSessionId: facts.callSessionId,
    source: facts.source,
    status: facts.status,
    direction: facts.direction,
    phoneNumber: facts.otherParty,
    ourNumber: facts.ourNumber ?? null,
    callerName: contact ? `${contact.firstName} ${contact.lastName}`.trim() : (facts.callerName ?? null),
    callControlId: facts.callControlId ?? null,
    callLegId: facts.callLegId ?? null,
    contactId: contact?.id ?? null,
    startedAt: date(facts.startedAt),
    answeredAt: date(facts.answeredAt),
    endedAt: date(facts.endedAt),
    durationSeconds: facts.durationSeconds ?? null,
    hangupCause: facts.hangupCause ?? null,
    hangupSource: facts.hangupSource ?? null,
    lastEventAt: date(facts.lastEventAt),
  };
  const { callSessionId: _key, ...updates } = values;
  const [row] = await db
    .insert(phoneRecords)
    .values(values)
    .onConflictDoUpdate({ target: phoneRecords.callSessionId, set: { ...updates, updatedAt: sql`now()` } })
    .returning({ id: phoneRecords.id, contactId: phoneRecords.contactId, callerName: phoneRecords.callerName });
  if (!row) throw new Error('upsert returned no row');
  if (contact && facts.startedAt) {
    // "Last touched" moves by event time, never by insert time, and never backwards.
    await db
      .update(contacts)
      .set({ lastContactedAt: sql`greatest(coalesce(${contacts.lastContactedAt}, 'epoch'::timestamptz), ${new Date(facts.startedAt)})` })
      .where(eq(contacts.id, contact.id));
  }
  return { phoneRecordId: row.id, contactId: row.contactId, callerName: row.callerName };
}

/** The jsonb merge that sets stages' status on the record, so stages never overwrite each other. */
export function mergeStageStatus(stages: string[], state: string, error?: string) {
  const at = new Date().toISOString();
  const patch = Object.fromEntries(stages.map((s) => [s, error ? { status: state, at, error } : { status: state, at }]));
  return sql`${phoneRecords.stageStatus} || ${JSON.stringify(patch)}::jsonb`;
}

/** Set pipeline stages' status on the record. */
export async function setStageStatus(db: Database, phoneRecordId: string, stages: string[], state: string, error?: string) {
  await db
    .update(phoneRecords)
    .set({ stageStatus: mergeStageStatus(stages, state, error), updatedAt: sql`now()` })
    .where(eq(phoneRecords.id, phoneRecordId));
}

/** Mark a stage running and read the record, in one statement (null when there is no such record). */
export async function beginStage(db: Database, phoneRecordId: string, stage: string) {
  const [row] = await db
    .update(phoneRecords)
    .set({ stageStatus: mergeStageStatus([stage], 'running'), updatedAt: sql`now()` })
    .where(eq(phoneRecords.id, phoneRecordId))
    .returning();
  return row ?? null;
}

export async function getPhoneRecord(db: Database, id: string) {
  const [row] = await db.select().from(phoneRecords).where(eq(phoneRecords.id, id)).limit(1);
  return row ?? null;
}

export interface PhoneRecordFilter {
  contactId?: string;
  direction?: string;
  status?: string;
  from?: string;
  to?: string;
  hasTranscript?: boolean;
  limit: number;
  cursor?: { value: string | number | null; id: string };
}

/** The call log's time: when the call started, or when we first heard of it. */
export const callTime = sql`coalesce(${phoneRecords.startedAt}, ${phoneRecords.createdAt})`;

/** Newest first, keyset-paged on (call time, id); each row with its contact's name. */
export async function listPhoneRecords(db: Database, f: PhoneRecordFilter) {
  const where = [
    f.contactId ? eq(phoneRecords.contactId, f.contactId) : undefined,
    f.direction ? eq(phoneRecords.direction, f.direction) : undefined,
    f.status ? eq(phoneRecords.status, f.status) : undefined,
    f.from ? sql`${callTime} >= ${f.from}::timestamptz` : undefined,
    f.to ? sql`${callTime} < ${f.to}::timestamptz` : undefined,
    f.hasTranscript === undefined ? undefined : f.hasTranscript ? sql`${phoneRecords.transcript} is not null` : sql`${phoneRecords.transcript} is null`,
    f.cursor ? sql`(${callTime}, ${phoneRecords.id}) < (${f.cursor.value}::timestamptz, ${f.cursor.id}::uuid)` : undefined,
  ].filter((w) => w !== undefined);
  return db
    .select({ record: phoneRecords, firstName: contacts.firstName, lastName: contacts.lastName })
    .from(phoneRecords)
    .leftJoin(contacts, eq(phoneRecords.contactId, contacts.id))
    .where(where.length ? and(...where) : undefined)
    .orderBy(sql`${callTime} desc`, sql`${phoneRecords.id} desc`)
    .limit(f.limit + 1);
}
