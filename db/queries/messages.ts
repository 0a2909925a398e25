/** Messages (SMS/MMS): the message workflow's writes, and the listing the API serves. */
import { and, eq, sql } from 'drizzle-orm';
import type { Database } from '../client.js';
import { contacts, embeddings, messages, notifications } from '../schema/index.js';
import { paginate } from './cursor.js';

export type MessageRow = typeof messages.$inferSelect;

export interface MessageFilter {
  contactId?: string;
  direction?: 'inbound' | 'outbound';
  from?: string;
  to?: string;
  limit: number;
  cursor?: { value: string | number | null; id: string };
}

const withContact = (db: Database) =>
  db
    .select({ m: messages, firstName: contacts.firstName, lastName: contacts.lastName })
    .from(messages)
    .leftJoin(contacts, eq(messages.contactId, contacts.id));

/** Newest first, each with its contact's name. */
export async function listMessages(db: Database, f: MessageFilter) {
  const where = [
    f.contactId ? eq(messages.contactId, f.contactId) : undefined,
    f.direction ? eq(messages.direction, f.direction) : undefined,
    f.from ? sql`${messages.occurredAt} >= ${f.from}::timestamptz` : undefined,
    f.to ? sql`${messages.occurredAt} < ${f.to}::timestamptz` : undefined,
    f.cursor
      ? sql`(${messages.occurredAt}, ${messages.id}) < (${f.cursor.value}::timestamptz, ${f.cursor.id}::uuid)`
      : undefined,
  ].filter((w) => w !== undefined);
  const rows = await withContact(db)
    .where(where.length ? and(...where) : undefined)
    .orderBy(sql`${messages.occurredAt} desc`, sql`${messages.id} desc`)
    .limit(f.limit + 1);
  return paginate(rows, f.limit, (r) => [r.m.occurredAt.toISOString(), r.m.id]);
}

export async function getMessageWithContact(db: Database, id: string) {
  const [row] = await withContact(db).where(eq(messages.id, id));
  return row ?? null;
}

export async function getMessage(db: Database, id: string): Promise<MessageRow | null> {
  const [row] = await db.select().from(messages).where(eq(messages.id, id));
  return row ?? null;
}

/** How far a message's delivery got: a status only moves forward (webhooks arrive out of order). */
const statusRank: Readonly<Record<string, number>> = {
  received: 1,
  webhook_delivered: 1,
  queued: 1,
  sending: 2,
  sent: 3,
  delivered: 4,
  sending_failed: 4,
  delivery_failed: 4,
  delivery_unconfirmed: 4,
  expired: 4,
};
/** A status's rank; only the table's own keys count (a caller's `__proto__` or `constructor` is rank 0). */
const rankOf = (status: string): number => (Object.hasOwn(statusRank, status) ? statusRank[status]! : 0);

export interface StoredMessage {
  telnyxMessageId: string;
  direction: 'inbound' | 'outbound';
  type: string;
  otherParty: string;
  ourNumber?: string;
  text: string;
  media: unknown;
  status: string;
  occurredAt: Date;
}

/** Upsert by Telnyx id, linked to the contact with that number (whose last contact moves forward). */
export async function storeMessage(db: Database, m: StoredMessage) {
  const [contact] = await db
    .select({ id: contacts.id })
    .from(contacts)
    .where(eq(contacts.phoneE164, m.otherParty))
    .limit(1);
  const [row] = await db
    .insert(messages)
    .values({
      telnyxMessageId: m.telnyxMessageId,
      contactId: contact?.id ?? null,
      direction: m.direction,
      type: m.type,
      phoneNumber: m.otherParty,
      ourNumber: m.ourNumber ?? null,
      text: m.text,
      media: m.media,
      status: m.status,
      occurredAt: m.occurredAt,
    })
    .onConflictDoUpdate({
      target: messages.telnyxMessageId,
      set: {
        status: sql`case when ${rankOf(m.status)} >= coalesce((${sql.raw(`'${JSON.stringify(statusRank)}'`)}::jsonb ->> ${messages.status})::int, 0) then ${m.status} else ${messages.status} end`,
        updatedAt: sql`now()`,
      },
    })
    .returning({ id: messages.id, contactId: messages.contactId, direction: messages.direction });
  if (contact) {
    await db
      .update(contacts)
      .set({
        lastContactedAt: sql`greatest(coalesce(${contacts.lastContactedAt}, 'epoch'::timestamptz), ${m.occurredAt})`,
      })
      .where(eq(contacts.id, contact.id));
  }
  return row!;
}

export async function setMessageSentiment(
  db: Database,
  id: string,
  s: { label: string; score: number; provider: string; model: string },
) {
  await db
    .update(messages)
    .set({ sentiment: s.label, sentimentScore: s.score, sentimentProvider: s.provider, sentimentModel: s.model })
    .where(eq(messages.id, id));
}

/** The message's one search passage for `model` (replaced when embedded again). */
export async function storeMessagePassage(db: Database, m: MessageRow, model: string, vector: number[]) {
  await db
    .insert(embeddings)
    .values({
      sourceType: 'message',
      sourceId: m.id,
      contactId: m.contactId,
      kind: 'message',
      chunkIndex: 0,
      content: m.text,
      model,
      embedding: vector,
      occurredAt: m.occurredAt,
    })
    .onConflictDoUpdate({
      target: [embeddings.sourceType, embeddings.sourceId, embeddings.kind, embeddings.chunkIndex, embeddings.model],
      set: { content: m.text, embedding: vector },
    });
}

/** An inbox notification, once per dedupe key; how many were added (0 or 1). */
export async function addInboxNotification(
  db: Database,
  n: { dedupeKey: string; rule: string; title: string; body: string; contactId: string | null; messageId?: string },
) {
  const inserted = await db
    .insert(notifications)
    .values({ ...n, channel: 'inbox', status: 'sent', sentAt: new Date() })
    .onConflictDoNothing({ target: notifications.dedupeKey })
    .returning({ id: notifications.id });
  return inserted.length;
}
