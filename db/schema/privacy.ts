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

/**
 * Dashboard sign-ins, kept server-side so signing out (or an idle timeout) ends a session in every
 * API process and across restarts. Keyed by a SHA-256 of the cookie's random part.
 */
export const dashboardSessions = pgTable('dashboard_sessions', {
  idHash: text('id_hash').primaryKey(),
  expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
  lastSeenAt: timestamp('last_seen_at', { withTimezone: true }).notNull().defaultNow(),
  revokedAt: timestamp('revoked_at', { withTimezone: true }),
});
