import { sql } from 'drizzle-orm';
import {
  index,
  integer,
  pgTable,
  text,
  timestamp,
  uuid,
  jsonb,
  bigserial,
  real,
  doublePrecision,
} from 'drizzle-orm/pg-core';
import { timestamps } from './types.js';

/** People the owner talks to. `phone_e164` is the caller-ID key: normalised, unique. */
export const contacts = pgTable(
  'contacts',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    firstName: text('first_name').notNull(),
    lastName: text('last_name').notNull().default(''),
    company: text('company'),
    email: text('email'),
    phoneE164: text('phone_e164').unique(),
    notes: text('notes'),
    /** Declared closeness (Dunbar layer): inner | close | friend | acquaintance. */
    tier: text('tier'),
    /** Owner's wished-for gap between contacts, in days; overrides the learned rhythm. */
    cadenceDays: integer('cadence_days'),
    relationshipScore: integer('relationship_score'),
    /** Attention needed now (overdue against the rhythm, open promises); orders the "reach out" list. */
    relationshipPriority: real('relationship_priority'),
    scoreUpdatedAt: timestamp('score_updated_at', { withTimezone: true }),
    lastContactedAt: timestamp('last_contacted_at', { withTimezone: true }),
    ...timestamps,
  },
  (t) => [
    index('contacts_score_idx').on(t.relationshipScore.desc().nullsLast(), t.id),
    index('contacts_name_idx').on(sql`lower(${t.firstName} || ' ' || ${t.lastName})`),
    index('contacts_last_contacted_idx').on(t.lastContactedAt),
    index('contacts_priority_idx').on(t.relationshipPriority.desc().nullsLast(), t.id),
  ],
);

/** One row per computed score: the trend and the explanation come from here. */
export const relationshipScores = pgTable(
  'relationship_scores',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    contactId: uuid('contact_id')
      .notNull()
      .references(() => contacts.id, { onDelete: 'cascade' }),
    score: integer('score').notNull(),
    strength: real('strength').notNull(),
    priority: real('priority').notNull(),
    /** Feature vector in FEATURE_KEYS order of its scorer version (db/queries/scores.ts). */
    features: doublePrecision('features').array(),
    /** Named factors, as scorer rhythm-v1 stored them; later versions store `features`. */
    factors: jsonb('factors'),
    scorerVersion: text('scorer_version').notNull(),
    computedAt: timestamp('computed_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('relationship_scores_contact_idx').on(t.contactId, t.computedAt.desc())],
);
