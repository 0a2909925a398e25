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
 * the caller to a contact by E.164, and move that contact's "last touched" forward by event time
 * (never by insert time, never backwards). One statement. Idempotent: the same facts give the same
 * row.
 */
export async function upsertCallRecord(db: Database, facts: CallFacts) {
  const startedAt = date(facts.startedAt);
  const values = {
    callSessionId: facts.callSessionId,
    source: facts.source,
    status: facts.status,
    direction: facts.direction,
    phoneNumber: facts.otherParty,
    ourNumber: facts.ourNumber ?? null,
    // A known caller is shown by the contact's name, else by the name the network sent.
    callerName: sql`coalesce((select name from caller), ${facts.callerName ?? null})`,
    callControlId: facts.callControlId ?? null,
    callLegId: facts.callLegId ?? null,
    contactId: sql`(select id from caller)`,
    startedAt,
    answeredAt: date(facts.answeredAt),
    endedAt: date(facts.endedAt),
    durationSeconds: facts.durationSeconds ?? null,
    hangupCause: facts.hangupCause ?? null,
    hangupSource: facts.hangupSource ?? null,
    lastEventAt: date(facts.lastEventAt),
  };
  const { callSessionId: _key, ...updates } = values;
  const upsert = db
    .insert(phoneRecords)
    .values(values)
    .onConflictDoUpdate({ target: phoneRecords.callSessionId, set: { ...updates, updatedAt: sql`now()` } })
    .returning({ id: phoneRecords.id, contactId: phoneRecords.contactId, callerName: phoneRecords.callerName });
  const ctes = [sql`caller as (select ${contacts.id} as id, trim(${contacts.firstName} || ' ' || ${contacts.lastName}) as name from ${contacts} where ${contacts.phoneE164} = ${facts.otherParty} limit 1)`];
  if (startedAt) {
    const touch = db
      .update(contacts)
      .set({ lastContactedAt: sql`greatest(coalesce(${contacts.lastContactedAt}, 'epoch'::timestamptz), ${startedAt})` })
      .where(sql`${contacts.id} = (select id from caller)`);
    ctes.push(sql`touched as (${touch.getSQL()})`);
  }
  const res = (await db.execute(sql`with ${sql.join(ctes, sql`, `)} ${upsert.getSQL()}`)) as unknown as { rows: { id: string; contact_id: string | null; caller_name: string | null }[] };
  const row = res.rows[0];
  if (!row) throw new Error('upsert returned no row');
  return { phoneRecordId: row.id, contactId: row.contact_id, callerName: row.caller_name };
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
