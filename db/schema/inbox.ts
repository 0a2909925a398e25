import { bigserial, index, integer, jsonb, pgTable, text, timestamp } from 'drizzle-orm/pg-core';
import { sql } from 'drizzle-orm';

/**
 * Telnyx events as received, committed before the webhook is answered and relayed to Temporal
 * afterwards (`api/webhooks/telnyx/relay.ts`). `event_id` (Telnyx's id, or the key derived from a
 * TeXML callback) is unique, so a redelivery is absorbed by the insert. Rows of one workflow are
 * relayed in `id` order; a relay claims a row with a short lease (`lease_until`), so several API
 * processes share the inbox without delivering a row twice. The payload is the normalised event:
 * personal data, purged once delivered and older than the retention, and erased with its subject.
 */
export const webhookInbox = pgTable(
  'webhook_inbox',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    eventId: text('event_id').notNull().unique(),
    /** `call` or `message`: which workflow the event feeds. */
    kind: text('kind').notNull(),
    /** The Temporal workflow id (call-<session>, message-<id>): delivery is in order per workflow. */
    workflowId: text('workflow_id').notNull(),
    payload: jsonb('payload').notNull(),
    receivedAt: timestamp('received_at', { withTimezone: true }).notNull().defaultNow(),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: timestamp('next_attempt_at', { withTimezone: true }).notNull().defaultNow(),
    leaseUntil: timestamp('lease_until', { withTimezone: true }),
    /** The last failure's kind (an error name or gRPC code, never its message: messages can quote data). */
    lastError: text('last_error'),
    deliveredAt: timestamp('delivered_at', { withTimezone: true }),
  },
  (t) => [
    // The relay's claim walks undelivered rows in id order: only those, never the delivered ones
    // kept for the retention period (through the primary key it read every one of them per claim).
    index('webhook_inbox_undelivered_idx')
      .on(t.id)
      .where(sql`delivered_at is null`),
    index('webhook_inbox_pending_idx')
      .on(t.workflowId, t.id)
      .where(sql`delivered_at is null`),
    index('webhook_inbox_delivered_idx')
      .on(t.deliveredAt)
      .where(sql`delivered_at is not null`),
  ],
);
