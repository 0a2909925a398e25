/** Queries on phone_records: the call workflow's writes, the call log, one call in full, corrections. */
import { and, eq, getTableColumns, inArray, sql } from 'drizzle-orm';
import type { Database } from '../client.js';
import type { CallSnapshot } from '../../contract/index.js';
import { contacts, embeddings, notifications, phoneRecords, tasks } from '../schema/index.js';
import { touchLastContacted } from './contacts.js';
import { assertReferences } from './references.js';
import { recomputeScores } from './scores.js';
import { voiceSessionOfCall } from './voice.js';
import { tasksOfCall } from './tasks.js';
import { definePrepared, placeholder } from '../prepared.js';

const iso = (v: string | undefined) => (v ? new Date(v).toISOString() : null);

/** The call-record upsert, built once per shape (with or without a start time to touch the contact). */
const upsertCall = [false, true].map((touch) =>
  definePrepared<Record<string, unknown>>(touch ? 'upsert_call_touch' : 'upsert_call', (db) => {
    const text = (name: string) => placeholder(name, 'text');
    const time = (name: string) => placeholder(name, 'timestamptz');
    const values = {
      callSessionId: text('callSessionId'),
      source: text('source'),
      status: text('status'),
      direction: text('direction'),
      phoneNumber: text('phoneNumber'),
      ourNumber: text('ourNumber'),
      // A known caller is shown by the contact's name, else by the name the network sent.
      callerName: sql`coalesce((select name from caller), ${text('callerName')})`,
      callControlId: text('callControlId'),
      callLegId: text('callLegId'),
      contactId: sql`(select id from caller)`,
      startedAt: time('startedAt'),
      answeredAt: time('answeredAt'),
      endedAt: time('endedAt'),
      durationSeconds: placeholder('durationSeconds', 'integer'),
      hangupCause: text('hangupCause'),
      hangupSource: text('hangupSource'),
      lastEventAt: time('lastEventAt'),
    };
    // On conflict every column but the key takes the new row's value.
    const { callSessionId: _key, ...updated } = values;
    const set = Object.fromEntries(
      Object.keys(updated).map((k) => [k, sql.raw(`excluded."${phoneRecords[k as keyof typeof updated].name}"`)]),
    );
    const upsert = db
      .insert(phoneRecords)
      .values(values)
      .onConflictDoUpdate({ target: phoneRecords.callSessionId, set: { ...set, updatedAt: sql`now()` } })
      .returning({ id: phoneRecords.id, contactId: phoneRecords.contactId, callerName: phoneRecords.callerName });
    const ctes = [
      sql`caller as (select ${contacts.id} as id, trim(${contacts.firstName} || ' ' || ${contacts.lastName}) as name from ${contacts} where ${contacts.phoneE164} = ${text('phoneNumber')} limit 1)`,
    ];
    // Telnyx delivers in any order: the event that names the caller can come after the pipeline made
    // the call's tasks, passages and notifications. Once the caller is known, they are the contact's.
    const thisCall = sql`(select ${phoneRecords.id} from ${phoneRecords} where ${phoneRecords.callSessionId} = ${text('callSessionId')})`;
    const known = sql`exists (select 1 from caller)`;
    ctes.push(
      sql`linked_tasks as (update ${tasks} set contact_id = (select id from caller), updated_at = now() where ${tasks.contactId} is null and ${tasks.phoneRecordId} = ${thisCall} and ${known})`,
      sql`linked_passages as (update ${embeddings} set contact_id = (select id from caller) where ${embeddings.contactId} is null and ${embeddings.sourceType} = 'call' and ${embeddings.sourceId} = ${thisCall} and ${known})`,
      sql`linked_notifications as (update ${notifications} set contact_id = (select id from caller) where ${notifications.contactId} is null and ${notifications.phoneRecordId} = ${thisCall} and ${known})`,
    );
    if (touch) {
      const touched = db
        .update(contacts)
        .set({
          lastContactedAt: sql`greatest(coalesce(${contacts.lastContactedAt}, 'epoch'::timestamptz), ${time('startedAt')})`,
        })
        .where(sql`${contacts.id} = (select id from caller)`);
      ctes.push(sql`touched as (${touched.getSQL()})`);
    }
    return sql`with ${sql.join(ctes, sql`, `)} ${upsert.getSQL()}`;
  }),
);

/**
 * Insert or update the one phone record of a call session (unique on call_session_id), matching
 * the caller to a contact by E.164, and move that contact's "last touched" forward by event time
 * (never by insert time, never backwards); once the caller is known, the call's tasks, passages and
 * notifications made before that are the contact's too. One prepared statement. Idempotent: the
 * same facts give the same row.
 */
export async function upsertCallRecord(db: Database, facts: CallSnapshot) {
  const startedAt = iso(facts.startedAt);
  const res = await upsertCall[startedAt ? 1 : 0]!(db, {
    callSessionId: facts.callSessionId,
    source: facts.source,
    status: facts.status,
    direction: facts.direction,
    phoneNumber: facts.otherParty,
    ourNumber: facts.ourNumber ?? null,
    callerName: facts.callerName ?? null,
    callControlId: facts.callControlId ?? null,
    callLegId: facts.callLegId ?? null,
    startedAt,
    answeredAt: iso(facts.answeredAt),
    endedAt: iso(facts.endedAt),
    durationSeconds: facts.durationSeconds ?? null,
    hangupCause: facts.hangupCause ?? null,
    hangupSource: facts.hangupSource ?? null,
    lastEventAt: iso(facts.lastEventAt),
  });
  const row = res.rows[0] as { id: string; contact_id: string | null; caller_name: string | null } | undefined;
  if (!row) throw new Error('upsert returned no row');
  return { phoneRecordId: row.id, contactId: row.contact_id, callerName: row.caller_name };
}

/** The statuses to merge into stage_status (jsonb): each stage's state, when, and why when it failed. */
function stagePatch(stages: string[], state: string, error?: string, detail?: Record<string, unknown>): string {
  const at = new Date().toISOString();
  return JSON.stringify(
    Object.fromEntries(stages.map((s) => [s, { ...detail, status: state, at, ...(error ? { error } : {}) }])),
  );
}

/** The jsonb merge that sets stages' status on the record, so stages never overwrite each other. */
export function mergeStageStatus(stages: string[], state: string, error?: string) {
  return sql`${phoneRecords.stageStatus} || ${stagePatch(stages, state, error)}::jsonb`;
}

/** A call's record as the stages read it: every column but the full-text vector (large, and theirs to ignore). */
const { searchTsv: _searchTsv, ...recordColumns } = getTableColumns(phoneRecords);
export type PhoneRecordRow = Omit<typeof phoneRecords.$inferSelect, 'searchTsv'>;

/**
 * The statements every stage runs, prepared once per database (not rebuilt for every call):
 * set stages' status; mark a stage running and read the record; read the record.
 */
function buildStageStatements(db: Database) {
  const merge = sql`${phoneRecords.stageStatus} || ${placeholder('patch', 'jsonb')}`;
  const byId = eq(phoneRecords.id, sql.placeholder('id'));
  return {
    setStatus: db
      .update(phoneRecords)
      .set({ stageStatus: merge, updatedAt: sql`now()` })
      .where(byId)
      .prepare('set_stage_status'),
    begin: db
      .update(phoneRecords)
      .set({ stageStatus: merge, updatedAt: sql`now()` })
      .where(byId)
      .returning(recordColumns)
      .prepare('begin_stage'),
    get: db.select(recordColumns).from(phoneRecords).where(byId).limit(1).prepare('get_phone_record'),
  };
}
const stageStatements = (db: Database) => db.$statements.once('stage_statements', () => buildStageStatements(db));

/** Set pipeline stages' status on the record. */
export async function setStageStatus(
  db: Database,
  phoneRecordId: string,
  stages: string[],
  state: string,
  error?: string,
  detail?: Record<string, unknown>,
) {
  await stageStatements(db).setStatus.execute({ id: phoneRecordId, patch: stagePatch(stages, state, error, detail) });
}

/** Mark a stage running and read the record, in one statement (null when there is no such record). */
export async function beginStage(db: Database, phoneRecordId: string, stage: string) {
  const [row] = await stageStatements(db).begin.execute({ id: phoneRecordId, patch: stagePatch([stage], 'running') });
  return row ?? null;
}

export async function getPhoneRecord(db: Database, id: string) {
  const [row] = await stageStatements(db).get.execute({ id });
  return row ?? null;
}

export interface PhoneRecordFilter {
  contactId?: string;
  direction?: string;
  status?: string;
  from?: string;
  to?: string;
  hasTranscript?: boolean;
  /** Calls whose given pipeline stage failed (e.g. `transcribe`). */
  failedStage?: string;
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
    f.hasTranscript === undefined
      ? undefined
      : f.hasTranscript
        ? sql`${phoneRecords.transcript} is not null`
        : sql`${phoneRecords.transcript} is null`,
    f.failedStage ? sql`${phoneRecords.stageStatus} -> ${f.failedStage} ->> 'status' = 'failed'` : undefined,
    f.cursor
      ? sql`(${callTime}, ${phoneRecords.id}) < (${f.cursor.value}::timestamptz, ${f.cursor.id}::uuid)`
      : undefined,
  ].filter((w) => w !== undefined);
  return db
    .select({ record: phoneRecords, firstName: contacts.firstName, lastName: contacts.lastName })
    .from(phoneRecords)
    .leftJoin(contacts, eq(phoneRecords.contactId, contacts.id))
    .where(where.length ? and(...where) : undefined)
    .orderBy(sql`${callTime} desc`, sql`${phoneRecords.id} desc`)
    .limit(f.limit + 1);
}

/** One call with what its page shows beside it: the contact's name and the tasks it produced. */
export async function getPhoneRecordDetail(db: Database, id: string) {
  const record = await getPhoneRecord(db, id);
  if (!record) return null;
  const [contact] = record.contactId
    ? await db
        .select({ firstName: contacts.firstName, lastName: contacts.lastName })
        .from(contacts)
        .where(eq(contacts.id, record.contactId))
    : [];
  return {
    record,
    contact: contact ?? null,
    tasks: await tasksOfCall(db, record.id),
    conversation: await voiceSessionOfCall(db, record.callSessionId),
  };
}

export interface PhoneRecordCorrection {
  contactId?: string | null;
  summary?: string | null;
  sentiment?: 'positive' | 'neutral' | 'negative' | null;
  topics?: string[] | null;
}

/**
 * The owner's corrections (marked `manual` as their provider). A call moved to another contact
 * takes its tasks and search passages along, and both contacts are rescored.
 */
export async function correctPhoneRecord(
  db: Database,
  before: { id: string; contactId: string | null },
  body: PhoneRecordCorrection,
): Promise<void> {
  await assertReferences(db, { contactId: body.contactId });
  const { sentiment, ...rest } = body;
  const moved = body.contactId !== undefined && body.contactId !== before.contactId;
  await db.transaction(async (tx) => {
    await tx
      .update(phoneRecords)
      .set({
        ...rest,
        ...(sentiment !== undefined
          ? { sentiment, sentimentProvider: sentiment === null ? null : 'manual', sentimentModel: null }
          : {}),
        ...(body.summary !== undefined
          ? { summaryProvider: body.summary === null ? null : 'manual', summaryModel: null }
          : {}),
        updatedAt: sql`now()`,
      })
      .where(eq(phoneRecords.id, before.id));
    if (moved) {
      await tx.update(tasks).set({ contactId: body.contactId }).where(eq(tasks.phoneRecordId, before.id));
      await tx
        .update(embeddings)
        .set({ contactId: body.contactId })
        .where(and(eq(embeddings.sourceType, 'call'), eq(embeddings.sourceId, before.id)));
    }
  });
  if (moved) {
    for (const id of [before.contactId, body.contactId]) {
      if (!id) continue;
      await touchLastContacted(db, id);
      await recomputeScores(db, id);
    }
  }
}

type PhoneRecordResults = Partial<typeof phoneRecords.$inferInsert>;

/** The write that stores a stage's results and marks it done (a builder: it may join a larger statement). */
export const finishStage = (db: Database, id: string, stage: string, results: PhoneRecordResults) =>
  db
    .update(phoneRecords)
    .set({ ...results, stageStatus: mergeStageStatus([stage], 'done') })
    .where(eq(phoneRecords.id, id));

/** The summary and the tasks its action items became, in one statement; a task that exists stays as it is. */
export async function storeSummary(
  db: Database,
  id: string,
  results: PhoneRecordResults,
  newTasks: (typeof tasks.$inferInsert)[],
) {
  const done = finishStage(db, id, 'summarize', results);
  if (newTasks.length === 0) await done;
  else
    await db.execute(
      sql`with added as (${db.insert(tasks).values(newTasks).onConflictDoNothing({ target: tasks.sourceKey }).getSQL()}) ${done.getSQL()}`,
    );
}

/** One statement (so at once): this model's earlier passages of the call out, the new ones in, the stage done. */
export async function storeCallPassages(
  db: Database,
  id: string,
  model: string,
  rows: (typeof embeddings.$inferInsert)[],
) {
  // One statement. Its parts see the same snapshot, so the new passages must not collide with rows
  // the same statement deletes: the ones kept are updated in place, only the others deleted.
  const mine = and(eq(embeddings.sourceType, 'call'), eq(embeddings.sourceId, id), eq(embeddings.model, model));
  const keys = rows.map((r) => sql`(${r.kind}::text, ${r.chunkIndex ?? null}::int)`);
  const replaced = db
    .delete(embeddings)
    .where(
      keys.length > 0
        ? and(mine, sql`(${embeddings.kind}, ${embeddings.chunkIndex}) not in (${sql.join(keys, sql`, `)})`)
        : mine,
    );
  const upsert = () =>
    db
      .insert(embeddings)
      .values(rows)
      .onConflictDoUpdate({
        target: [embeddings.sourceType, embeddings.sourceId, embeddings.kind, embeddings.chunkIndex, embeddings.model],
        set: {
          content: sql`excluded.content`,
          embedding: sql`excluded.embedding`,
          startMs: sql`excluded.start_ms`,
          contactId: sql`excluded.contact_id`,
          occurredAt: sql`excluded.occurred_at`,
        },
      });
  const stored = rows.length > 0 ? [sql`, stored as (${upsert().getSQL()})`] : [];
  const done = finishStage(db, id, 'embed', {});
  await db.execute(sql`with replaced as (${replaced.getSQL()})${sql.join(stored)} ${done.getSQL()}`);
}

/** A call whose events stopped before a hangup: its status is unknown. */
export async function markCallUnknown(db: Database, id: string) {
  await db
    .update(phoneRecords)
    .set({ status: 'unknown', updatedAt: sql`now()` })
    .where(eq(phoneRecords.id, id));
}

/** Which of these call sessions already have a phone record. */
export async function knownCallSessions(db: Database, callSessionIds: string[]): Promise<Set<string>> {
  const rows = await db
    .select({ id: phoneRecords.callSessionId })
    .from(phoneRecords)
    .where(inArray(phoneRecords.callSessionId, callSessionIds));
  return new Set(rows.map((r) => r.id));
}

/** A call's stored outcome by its Telnyx session: what a late event for a closed run is weighed against. */
export async function storedCallOutcome(
  db: Database,
  callSessionId: string,
): Promise<{ phoneRecordId: string; status: string; hasRecording: boolean } | undefined> {
  const [row] = await db
    .select({
      phoneRecordId: phoneRecords.id,
      status: phoneRecords.status,
      hasRecording: sql<boolean>`${phoneRecords.recordingLocation} is not null`,
    })
    .from(phoneRecords)
    .where(eq(phoneRecords.callSessionId, callSessionId));
  return row;
}
