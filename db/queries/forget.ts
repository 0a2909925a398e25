/** Erasure: everything the product holds about a person or a number, found and deleted by id. */
import { createHash } from 'node:crypto';
import { inArray, sql } from 'drizzle-orm';
import { rowsOf, type Database } from '../client.js';
import { erasures, webhookInbox } from '../schema/index.js';
import type { ForgetSubject } from '../../contract/index.js';

/** What erasing a subject touches: ids and storage locations only. */
export interface ForgetPlan {
  contactIds: string[];
  phoneRecordIds: string[];
  messageIds: string[];
  /** Temporal workflow ids of the calls and messages (call-<session>, message-<id>). */
  workflowIds: string[];
  /** Recording blobs (file:// or s3://). */
  blobs: string[];
  /** The erased contacts' names: redacted from the owner's digests and reminders, their greetings removed. */
  names?: { first: string; full: string }[];
}

export type { ForgetSubject };

const uuids = (ids: string[]) => `{${ids.join(',')}}`;

/** Find what belongs to the subject: a contact's number(s), calls and texts; or one number's; or one item. */
export async function planForget(db: Database, subject: ForgetSubject): Promise<ForgetPlan> {
  let contactIds: string[] = [];
  let numbers: string[] = [];
  if ('contactId' in subject) {
    const rows = rowsOf<{ id: string; phone_e164: string | null }>(
      await db.execute(sql`select id, phone_e164 from contacts where id = ${subject.contactId}::uuid`),
    );
    contactIds = rows.map((r) => r.id);
    numbers = rows.map((r) => r.phone_e164).filter((n): n is string => Boolean(n));
  } else if ('e164' in subject) {
    numbers = [subject.e164];
    contactIds = rowsOf<{ id: string }>(
      await db.execute(sql`select id from contacts where phone_e164 = ${subject.e164}`),
    ).map((r) => r.id);
  }
  const byPerson = 'contactId' in subject || 'e164' in subject;
  const names = contactIds.length
    ? rowsOf<{ first_name: string; last_name: string | null }>(
        await db.execute(sql`select first_name, last_name from contacts where id = any(${uuids(contactIds)}::uuid[])`),
      ).map((r) => ({ first: r.first_name, full: [r.first_name, r.last_name].filter(Boolean).join(' ') }))
    : [];
  // Each number as its own parameter (a stored caller ID can be any text: SIP URIs, "anonymous").
  const fromNumbers = numbers.length
    ? sql.join(
        numbers.map((n) => sql`phone_number = ${n}`),
        sql` or `,
      )
    : sql`false`;
  const calls = rowsOf<{ id: string; call_session_id: string; recording_location: string | null }>(
    await db.execute(
      byPerson
        ? sql`select id, call_session_id, recording_location from phone_records
               where contact_id = any(${uuids(contactIds)}::uuid[]) or ${fromNumbers}`
        : 'phoneRecordId' in subject
          ? sql`select id, call_session_id, recording_location from phone_records where id = ${subject.phoneRecordId}::uuid`
          : sql`select id, call_session_id, recording_location from phone_records where false`,
    ),
  );
  const texts = rowsOf<{ id: string; telnyx_message_id: string | null }>(
    await db.execute(
      byPerson
        ? sql`select id, telnyx_message_id from messages
               where contact_id = any(${uuids(contactIds)}::uuid[]) or ${fromNumbers}`
        : 'messageId' in subject
          ? sql`select id, telnyx_message_id from messages where id = ${subject.messageId}::uuid`
          : sql`select id, telnyx_message_id from messages where false`,
    ),
  );
  // Events still in the webhook inbox (not yet relayed, or relayed and not yet purged) carry the number too.
  const inboxed = numbers.length
    ? rowsOf<{ workflow_id: string }>(
        await db.execute(
          sql`select distinct workflow_id from webhook_inbox where ${sql.join(
            numbers.map((n) => sql`payload->>'otherParty' = ${n}`),
            sql` or `,
          )}`,
        ),
      ).map((r) => r.workflow_id)
    : [];
  const workflowIds = [
    ...calls.map((c) => `call-${c.call_session_id}`),
    ...texts.filter((m) => m.telnyx_message_id).map((m) => `message-${m.telnyx_message_id}`),
  ];
  return {
    contactIds,
    phoneRecordIds: calls.map((c) => c.id),
    messageIds: texts.map((m) => m.id),
    workflowIds: [...new Set([...workflowIds, ...inboxed])],
    blobs: calls.map((c) => c.recording_location).filter((l): l is string => Boolean(l)),
    names,
  };
}

/** A name as a case-insensitive whole-word PostgreSQL regular expression. */
const wordPattern = (name: string) => `\\m${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\M`;

/** Delete the rows of a plan in one transaction; counts of what went. Safe to repeat. */
export async function eraseRows(db: Database, plan: ForgetPlan): Promise<Record<string, number>> {
  const calls = uuids(plan.phoneRecordIds);
  const texts = uuids(plan.messageIds);
  const people = uuids(plan.contactIds);
  return db.transaction(async (tx) => {
    const count = async (q: ReturnType<typeof sql>) => rowsOf<unknown>(await tx.execute(q)).length;
    const out: Record<string, number> = {};
    // The receptionist's conversations with the subject, and the tasks and notices they left.
    const sessions = plan.workflowIds.filter((w) => w.startsWith('call-')).map((w) => w.slice('call-'.length));
    const voice = rowsOf<{ id: string }>(
      await tx.execute(sql`select id from voice_sessions
        where contact_id = any(${people}::uuid[]) or call_session_id = any(${`{${sessions.map((x) => JSON.stringify(x)).join(',')}}`}::text[])`),
    ).map((r) => `receptionist:${r.id}`);
    if (voice.length) {
      const keys = `{${voice.map((k) => JSON.stringify(k)).join(',')}}`;
      await tx.execute(sql`delete from tasks where source_key = any(${keys}::text[])`);
      await tx.execute(sql`delete from notifications where split_part(dedupe_key, ':inbox', 1) = any(${keys}::text[])`);
    }
    out.conversations = await count(sql`delete from voice_sessions
      where contact_id = any(${people}::uuid[]) or call_session_id = any(${`{${sessions.map((x) => JSON.stringify(x)).join(',')}}`}::text[]) returning 1`);
    out.passages = await count(
      sql`delete from embeddings where source_id = any(${calls}::uuid[]) or source_id = any(${texts}::uuid[]) or contact_id = any(${people}::uuid[]) returning 1`,
    );
    out.notifications = await count(
      sql`delete from notifications where phone_record_id = any(${calls}::uuid[]) or message_id = any(${texts}::uuid[]) or contact_id = any(${people}::uuid[]) returning 1`,
    );
    out.tasks = await count(
      sql`delete from tasks where phone_record_id = any(${calls}::uuid[]) or contact_id = any(${people}::uuid[]) returning 1`,
    );
    out.calendarEvents = await count(
      sql`delete from calendar_events where contact_id = any(${people}::uuid[]) returning 1`,
    );
    out.phoneRecords = await count(sql`delete from phone_records where id = any(${calls}::uuid[]) returning 1`);
    out.messages = await count(sql`delete from messages where id = any(${texts}::uuid[]) returning 1`);
    out.scores = await count(
      sql`delete from relationship_scores where contact_id = any(${people}::uuid[]) returning 1`,
    );
    out.contacts = await count(sql`delete from contacts where id = any(${people}::uuid[]) returning 1`);
    out.inboxEvents = plan.workflowIds.length
      ? (
          await tx
            .delete(webhookInbox)
            .where(inArray(webhookInbox.workflowId, plan.workflowIds))
            .returning({ id: webhookInbox.id })
        ).length
      : 0;
    // The owner's digests and reminders name people in their text (they belong to no contact):
    // the erased names are redacted from them.
    out.redactedNotices = 0;
    for (const { full } of plan.names ?? []) {
      if (full.trim().length < 2) continue;
      out.redactedNotices += await count(sql`update notifications
        set title = regexp_replace(title, ${wordPattern(full)}, '(erased)', 'gi'),
            body = regexp_replace(body, ${wordPattern(full)}, '(erased)', 'gi')
        where title ~* ${wordPattern(full)} or body ~* ${wordPattern(full)} returning 1`);
    }
    return out;
  });
}

/** The key an erased call or text is listed under: a SHA-256 of its workflow id (no personal data). */
export const erasureKey = (workflowId: string): string => createHash('sha256').update(workflowId).digest('hex');

/**
 * List the plan's calls and texts as erased, before anything is deleted: from then on a late
 * webhook, a redelivery or the history sync cannot bring them back. Safe to repeat.
 */
export async function suppressErased(db: Database, workflowIds: string[]): Promise<number> {
  if (workflowIds.length === 0) return 0;
  await db
    .insert(erasures)
    .values(workflowIds.map((id) => ({ keyHash: erasureKey(id) })))
    .onConflictDoNothing();
  return workflowIds.length;
}

/** Which of these workflow ids (`call-<session>`, `message-<id>`) belong to erased calls or texts. */
export async function erasedAmong(db: Database, workflowIds: string[]): Promise<Set<string>> {
  if (workflowIds.length === 0) return new Set();
  const byKey = new Map(workflowIds.map((id) => [erasureKey(id), id]));
  const rows = await db
    .select({ keyHash: erasures.keyHash })
    .from(erasures)
    .where(inArray(erasures.keyHash, [...byKey.keys()]));
  return new Set(rows.map((r) => byKey.get(r.keyHash)!));
}
