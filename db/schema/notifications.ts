import { index, jsonb, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { contacts } from './contacts.js';

/** Every notification decided by the rules; `dedupe_key` makes each (subject, rule, channel) happen once. */
export const notifications = pgTable(
  'notifications',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    dedupeKey: text('dedupe_key').notNull().unique(),
    rule: text('rule').notNull(),
    channel: text('channel').notNull(),
    title: text('title').notNull(),
    body: text('body').notNull(),
    data: jsonb('data'),
    contactId: uuid('contact_id').references(() => contacts.id, { onDelete: 'set null' }),
    phoneRecordId: uuid('phone_record_id'),
    messageId: uuid('message_id'),
    status: text('status').notNull().default('pending'),
    error: text('error'),
    sentAt: timestamp('sent_at', { withTimezone: true }),
    /** When the owner read it (the inbox); null while unread. */
    readAt: timestamp('read_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('notifications_created_idx').on(t.createdAt.desc())],
);
