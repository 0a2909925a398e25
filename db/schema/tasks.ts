import { index, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { contacts } from './contacts.js';
import { phoneRecords } from './phone-records.js';
import { timestamps } from './types.js';

/** To-dos; those made from a call's action items link back to it and carry a dedupe key. */
export const tasks = pgTable(
  'tasks',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    title: text('title').notNull(),
    description: text('description'),
    status: text('status').notNull().default('open'),
    priority: text('priority').notNull().default('medium'),
    dueDate: timestamp('due_date', { withTimezone: true }),
    /** Who owes it: "me", "them", or a name. */
    owner: text('owner'),
    contactId: uuid('contact_id').references(() => contacts.id, { onDelete: 'set null' }),
    phoneRecordId: uuid('phone_record_id').references(() => phoneRecords.id, { onDelete: 'set null' }),
    source: text('source').notNull().default('manual'),
    sourceKey: text('source_key').unique(),
    completedAt: timestamp('completed_at', { withTimezone: true }),
    ...timestamps,
  },
  (t) => [
    index('tasks_open_due_idx').on(t.status, t.dueDate),
    index('tasks_contact_idx').on(t.contactId),
    index('tasks_phone_record_idx').on(t.phoneRecordId),
  ],
);

export const calendarEvents = pgTable(
  'calendar_events',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    title: text('title').notNull(),
    description: text('description'),
    location: text('location'),
    startTime: timestamp('start_time', { withTimezone: true }).notNull(),
    endTime: timestamp('end_time', { withTimezone: true }),
    contactId: uuid('contact_id').references(() => contacts.id, { onDelete: 'set null' }),
    ...timestamps,
  },
  (t) => [index('calendar_events_start_idx').on(t.startTime)],
);
