import { customType, timestamp } from 'drizzle-orm/pg-core';

/** A tsvector column; always generated in SQL, never written by the app. */
export const tsvector = customType<{ data: string }>({ dataType: () => 'tsvector' });

/** created_at / updated_at pair used by every mutable table. */
export const timestamps = {
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
};
