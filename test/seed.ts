/** Test data written straight to the database, as the pipeline would have left it. */
import { randomUUID } from 'node:crypto';
import type { Database } from '../db/client.js';
import { contacts, embeddings, messages, phoneRecords } from '../db/schema/index.js';

export async function addContact(db: Database, v: Partial<typeof contacts.$inferInsert> & { firstName: string }) {
  const [row] = await db
    .insert(contacts)
    .values({ lastName: '', ...v })
    .returning();
  return row!;
}

export async function addCall(
  db: Database,
  v: Partial<typeof phoneRecords.$inferInsert> & { phoneNumber: string; startedAt: Date },
) {
  const [row] = await db
    .insert(phoneRecords)
    .values({
      callSessionId: `s-${randomUUID()}`,
      direction: 'inbound',
      status: 'completed',
      durationSeconds: 120,
      ...v,
    })
    .returning();
  return row!;
}

export async function addMessage(
  db: Database,
  v: Partial<typeof messages.$inferInsert> & { phoneNumber: string; occurredAt: Date },
) {
  const [row] = await db
    .insert(messages)
    .values({ telnyxMessageId: `m-${randomUUID()}`, direction: 'inbound', status: 'received', text: '', ...v })
    .returning();
  return row!;
}

export async function addPassage(
  db: Database,
  v: {
    sourceType: 'call' | 'message';
    sourceId: string;
    contactId?: string | null;
    content: string;
    vector: number[];
    model: string;
    occurredAt?: Date;
    kind?: string;
    chunkIndex?: number;
  },
) {
  await db.insert(embeddings).values({
    sourceType: v.sourceType,
    sourceId: v.sourceId,
    contactId: v.contactId ?? null,
    kind: v.kind ?? 'transcript',
    chunkIndex: v.chunkIndex ?? 0,
    content: v.content,
    model: v.model,
    embedding: v.vector,
    occurredAt: v.occurredAt ?? null,
  });
}

export const daysAgo = (n: number, from = new Date()) => new Date(from.getTime() - n * 86_400_000);
