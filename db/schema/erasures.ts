import { pgTable, text, timestamp } from 'drizzle-orm/pg-core';

/**
 * What erasure removed, so nothing brings it back: one row per erased call or text, keyed by a
 * SHA-256 of its workflow id (`call-<session>`, `message-<id>`; random ids, no personal data).
 * Late webhooks, Telnyx's redeliveries and the history sync skip what is listed here.
 */
export const erasures = pgTable('erasures', {
  keyHash: text('key_hash').primaryKey(),
  erasedAt: timestamp('erased_at', { withTimezone: true }).notNull().defaultNow(),
});
