import { sql } from 'drizzle-orm';
import { index, jsonb, pgTable, real, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { contacts } from './contacts.js';
import { timestamps, tsvector } from './types.js';

/** SMS and MMS, one row per Telnyx message id. */
export const messages = pgTable(
  'messages',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    telnyxMessageId: text('telnyx_message_id').notNull().unique(),
    contactId: uuid('contact_id').references(() => contacts.id, { onDelete: 'set null' }),
    direction: text('direction').notNull(),
    type: text('type').notNull().default('SMS'),
    phoneNumber: text('phone_number').notNull(),
    ourNumber: text('our_number'),
    text: text('text').notNull().default(''),
    media: jsonb('media'),
    status: text('status').notNull(),
    occurredAt: timestamp('occurred_at', { withTimezone: true }).notNull(),
    sentiment: text('sentiment'),
    sentimentScore: real('sentiment_score'),
    sentimentProvider: text('sentiment_provider'),
    sentimentModel: text('sentiment_model'),
    searchTsv: tsvector('search_tsv').generatedAlwaysAs(sql`to_tsvector('english', coalesce(text, ''))`),
    ...timestamps,
  },
  (t) => [
    index('messages_contact_occurred_idx').on(t.contactId, t.occurredAt.desc()),
    index('messages_occurred_idx').on(t.occurredAt.desc(), t.id),
    index('messages_search_idx').using('gin', t.searchTsv),
    index('messages_phone_number_idx').on(t.phoneNumber),
  ],
);
