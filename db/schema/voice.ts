import { index, jsonb, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { contacts } from './contacts.js';
import type { ReceptionistResult } from '../../contract/index.js';

/** One turn of a live conversation: who spoke, what, when (ms from the stream's start). */
export interface VoiceTurn {
  speaker: 'caller' | 'receptionist';
  text: string;
  atMs: number;
  endMs?: number;
  /** The caller spoke over this reply and it was cut (what follows the cut was not heard). */
  interrupted?: boolean;
  /** Receptionist turns: from the caller's last speech to the first audible frame of this reply. */
  latencyMs?: number;
}

/** How a conversation ended and what it produced (the message, the booked callback, a transfer). */
export interface VoiceOutcome {
  result: ReceptionistResult;
  message?: { name?: string; about?: string; urgency: string; callbackAt?: string; callbackSpoken?: string };
  taskId?: string;
}

/**
 * `ringing` → `connected` (the owner answered) → `handed_over` (the receptionist has said so: the
 * legs may be bridged), or `ringing` → `unavailable`.
 */
export type VoiceRing = 'ringing' | 'connected' | 'handed_over' | 'unavailable';

/**
 * The live receptionist's side of a call: minted when the product answers (a single-use token,
 * stored as its SHA-256, bound to the call's control id and short-lived), claimed by the media
 * stream that presents it, then the conversation as it happens (each turn appended when spoken,
 * so a process that dies mid-call loses nothing already said) and its outcome. Personal data:
 * erased with the call, purged with it by retention.
 */
export const voiceSessions = pgTable(
  'voice_sessions',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    tokenHash: text('token_hash').notNull().unique(),
    callControlId: text('call_control_id').notNull(),
    callSessionId: text('call_session_id').notNull(),
    contactId: uuid('contact_id').references(() => contacts.id, { onDelete: 'set null' }),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    connectedAt: timestamp('connected_at', { withTimezone: true }),
    endedAt: timestamp('ended_at', { withTimezone: true }),
    turns: jsonb('turns').$type<VoiceTurn[]>().notNull().default([]),
    outcome: jsonb('outcome').$type<VoiceOutcome>(),
    /**
     * Ring the owner first: `ringing` while the owner's phone rings, then `connected` (the owner
     * answered; the call is put through) or `unavailable` (no answer, busy, voicemail: the
     * receptionist takes the call). Null when the owner is not rung. Written by the call's workflow.
     */
    ring: text('ring').$type<VoiceRing>(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('voice_sessions_call_session_idx').on(t.callSessionId)],
);
