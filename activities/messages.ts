/** Activities of the message workflow: store, sentiment, embed, notify. Keyed by the Telnyx message id. */
import { eq, sql } from 'drizzle-orm';
import type { Database } from '../db/client.js';
import { maskPhone } from '../db/phone.js';
import { contacts, embeddings, messages, notifications } from '../db/schema/index.js';
import type { MessageEvent } from '../workflows/call.messages.js';
import { callProvider } from './providers/errors.js';
import type { Providers } from './providers/index.js';

const statusRank: Record<string, number> = { received: 1, webhook_delivered: 1, queued: 1, sending: 2, sent: 3, delivered: 4, sending_failed: 4, delivery_failed: 4, delivery_unconfirmed: 4, expired: 4 };

export function createMessageActivities({ db, providers }: { db: Database; providers: Providers }) {
  async function load(id: string) {
    const [row] = await db.select().from(messages).where(eq(messages.id, id));
    if (!row) throw new Error(`message ${id} not found`);
    return row;
  }
  return {
    /** Upsert the message row; a status only moves forward. */
    async storeMessage({ event }: { event: MessageEvent }) {
      const [contact] = await db.select({ id: contacts.id }).from(contacts).where(eq(contacts.phoneE164, event.otherParty)).limit(1);
      const [row] = await db
        .insert(messages)
        .values({
          telnyxMessageId: event.messageId,
          contactId: contact?.id ?? null,
          direction: event.direction,
          type: event.messageType,
          phoneNumber: event.otherParty,
          ourNumber: event.ourNumber ?? null,
          text: event.text,
          media: event.media,
          status: event.status,
          occurredAt: new Date(event.occurredAt),
        })
        .onConflictDoUpdate({
          target: messages.telnyxMessageId,
          set: {
            status: sql`case when ${statusRank[event.status] ?? 0} >= coalesce((${sql.raw(`'${JSON.stringify(statusRank)}'`)}::jsonb ->> ${messages.status})::int, 0) then ${event.status} else ${messages.status} end`,
            updatedAt: sql`now()`,
          },
        })
        .returning({ id: messages.id, contactId: messages.contactId, direction: messages.direction });
      if (contact) {
        await db
          .update(contacts)
          .set({ lastContactedAt: sql`greatest(coalesce(${contacts.lastContactedAt}, 'epoch'::timestamptz), ${new Date(event.occurredAt)})` })
          .where(eq(contacts.id, contact.id));
      }
      return { messageRowId: row!.id, contactId: row!.contactId, inbound: row!.direction === 'inbound' };
    },

    async messageSentimentStage({ messageRowId }: { messageRowId: string }) {
      const m = await load(messageRowId);
      const out = await callProvider(providers.language.name, () => providers.language.sentiment({ turns: [{ speaker: 'them', text: m.text }] }));
      await db
        .update(messages)
        .set({ sentiment: out.label, sentimentScore: out.score, sentimentProvider: providers.language.name, sentimentModel: out.model })
        .where(eq(messages.id, messageRowId));
      return { label: out.label };
    },

    async embedMessageStage({ messageRowId }: { messageRowId: string }) {
      const m = await load(messageRowId);
      if (!m.text.trim()) return { passages: 0 };
      const [vector] = await callProvider(providers.embeddings.name, () => providers.embeddings.embed([m.text]));
      const model = providers.embeddings.model;
      await db
        .insert(embeddings)
        .values({ sourceType: 'message', sourceId: m.id, contactId: m.contactId, kind: 'message', chunkIndex: 0, content: m.text, model, embedding: vector!, occurredAt: m.occurredAt })
        .onConflictDoUpdate({
          target: [embeddings.sourceType, embeddings.sourceId, embeddings.kind, embeddings.chunkIndex, embeddings.model],
          set: { content: m.text, embedding: vector! },
        });
      return { passages: 1 };
    },

    /** An inbox notification for messages from known contacts that read negative. */
    async notifyMessageStage({ messageRowId }: { messageRowId: string }) {
      const m = await load(messageRowId);
      if (!m.contactId || m.sentiment !== 'negative') return { notifications: 0 };
      const inserted = await db
        .insert(notifications)
        .values({
          dedupeKey: `message:${m.id}:negative_sentiment:inbox`,
          rule: 'negative_sentiment',
          channel: 'inbox',
          title: `Tense message from ${maskPhone(m.phoneNumber)}`,
          body: m.text.slice(0, 500),
          contactId: m.contactId,
          messageId: m.id,
          status: 'sent',
          sentAt: new Date(),
        })
        .onConflictDoNothing({ target: notifications.dedupeKey })
        .returning({ id: notifications.id });
      return { notifications: inserted.length };
    },
  };
}
