import { sql } from 'drizzle-orm';
import { index, integer, jsonb, pgTable, real, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { contacts } from './contacts.js';
import { timestamps, tsvector } from './types.js';

/** Per-stage pipeline status kept on the record: pending | running | done | failed | skipped. */
export type StageStatus = Record<string, { status: string; at: string; error?: string }>;

/** One row per Telnyx call session, created by the call workflow and filled in stage by stage. */
export const phoneRecords = pgTable(
  'phone_records',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    callSessionId: text('call_session_id').notNull().unique(),
    callControlId: text('call_control_id'),
    callLegId: text('call_leg_id'),
    source: text('source').notNull().default('call_control'),
    contactId: uuid('contact_id').references(() => contacts.id, { onDelete: 'set null' }),
    /** The other party, E.164 when it is a number; otherwise as received (SIP URI, "anonymous"). */
    phoneNumber: text('phone_number').notNull(),
    ourNumber: text('our_number'),
    callerName: text('caller_name'),
    direction: text('direction').notNull(),
    status: text('status').notNull(),
    startedAt: timestamp('started_at', { withTimezone: true }),
    answeredAt: timestamp('answered_at', { withTimezone: true }),
    endedAt: timestamp('ended_at', { withTimezone: true }),
    durationSeconds: integer('duration_seconds'),
    hangupCause: text('hangup_cause'),
    hangupSource: text('hangup_source'),
    lastEventAt: timestamp('last_event_at', { withTimezone: true }),
    recordingLocation: text('recording_location'),
    recordingContentType: text('recording_content_type'),
    recordingBytes: integer('recording_bytes'),
    recordingDurationSeconds: real('recording_duration_seconds'),
    recordingChannels: integer('recording_channels'),
    transcript: text('transcript'),
    speakerSegments: jsonb('speaker_segments'),
    transcriptProvider: text('transcript_provider'),
    transcriptModel: text('transcript_model'),
    summary: text('summary'),
    actionItems: jsonb('action_items'),
    topics: jsonb('topics'),
    summaryProvider: text('summary_provider'),
    summaryModel: text('summary_model'),
    sentiment: text('sentiment'),
    sentimentScore: real('sentiment_score'),
    sentimentDetail: jsonb('sentiment_detail'),
    sentimentProvider: text('sentiment_provider'),
    sentimentModel: text('sentiment_model'),
    stageStatus: jsonb('stage_status').$type<StageStatus>().notNull().default({}),
    // Summary and transcript for full-text search. Kept by a trigger (migration 0004) that runs
    // only when either changes: a generated column is recomputed on every update of the row, and
    // the pipeline updates a call's row about ten times after its transcript is in.
    searchTsv: tsvector('search_tsv'),
    ...timestamps,
  },
  (t) => [
    index('phone_records_contact_started_idx').on(t.contactId, t.startedAt.desc()),
    index('phone_records_started_idx').on(t.startedAt.desc(), t.id),
    index('phone_records_status_idx').on(t.status),
    // the call log's keyset order (coalesce: a call may be known before its start time)
    index('phone_records_call_time_idx').on(sql`coalesce(${t.startedAt}, ${t.createdAt}) desc`, sql`${t.id} desc`),
    index('phone_records_contact_call_time_idx').on(t.contactId, sql`coalesce(${t.startedAt}, ${t.createdAt}) desc`),
    index('phone_records_phone_number_idx').on(t.phoneNumber),
    index('phone_records_search_idx').using('gin', t.searchTsv),
  ],
);
