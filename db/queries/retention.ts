/** Retention: what is older than each configured period goes (nothing, by default). */
import { sql } from 'drizzle-orm';
import { rowsOf, type Database } from '../client.js';

/** Days to keep each kind of data; undefined keeps it forever. */
export interface RetentionPolicy {
  recordingsDays?: number;
  transcriptsDays?: number;
  messagesDays?: number;
  scoreHistoryDays?: number;
}

const cutoff = (asOf: Date, days: number) => new Date(asOf.getTime() - days * 86_400_000).toISOString();
const callTime = sql`coalesce(started_at, created_at)`;

/** Recordings older than the policy: their locations (to delete), not yet forgotten in the rows. */
export async function expiredRecordings(
  db: Database,
  policy: RetentionPolicy,
  asOf: Date,
): Promise<{ id: string; location: string }[]> {
  if (policy.recordingsDays === undefined) return [];
  return rowsOf<{ id: string; location: string }>(
    await db.execute(sql`select id, recording_location as location from phone_records
      where recording_location is not null and ${callTime} < ${cutoff(asOf, policy.recordingsDays)}::timestamptz`),
  );
}

/** Apply the policy to the rows (recording blobs are deleted first by the caller); counts of what went. */
export async function applyRetention(
  db: Database,
  policy: RetentionPolicy,
  asOf: Date,
  recordingIds: string[],
): Promise<Record<string, number>> {
  return db.transaction(async (tx) => {
    const count = async (q: ReturnType<typeof sql>) => rowsOf<unknown>(await tx.execute(q)).length;
    const out: Record<string, number> = { recordings: 0, transcripts: 0, messages: 0, scoreHistory: 0 };
    if (recordingIds.length) {
      out.recordings = await count(sql`update phone_records set recording_location = null, updated_at = now()
        where id = any(${`{${recordingIds.join(',')}}`}::uuid[]) returning 1`);
    }
    if (policy.transcriptsDays !== undefined) {
      const before = cutoff(asOf, policy.transcriptsDays);
      await tx.execute(sql`delete from embeddings e using phone_records p
        where e.source_type = 'call' and e.kind = 'transcript' and e.source_id = p.id and coalesce(p.started_at, p.created_at) < ${before}::timestamptz`);
      out.transcripts =
        await count(sql`update phone_records set transcript = null, speaker_segments = null, updated_at = now()
        where (transcript is not null or speaker_segments is not null) and ${callTime} < ${before}::timestamptz returning 1`);
      // The receptionist's conversations are transcripts too.
      out.conversations = await count(sql`update voice_sessions set turns = '[]'::jsonb
        where jsonb_array_length(turns) > 0 and created_at < ${before}::timestamptz returning 1`);
    }
    if (policy.messagesDays !== undefined) {
      const before = cutoff(asOf, policy.messagesDays);
      await tx.execute(
        sql`delete from embeddings e using messages m where e.source_type = 'message' and e.source_id = m.id and m.occurred_at < ${before}::timestamptz`,
      );
      await tx.execute(
        sql`delete from notifications n using messages m where n.message_id = m.id and m.occurred_at < ${before}::timestamptz`,
      );
      out.messages = await count(sql`delete from messages where occurred_at < ${before}::timestamptz returning 1`);
    }
    if (policy.scoreHistoryDays !== undefined) {
      out.scoreHistory = await count(
        sql`delete from relationship_scores where computed_at < ${cutoff(asOf, policy.scoreHistoryDays)}::timestamptz returning 1`,
      );
    }
    // Whatever the policy: sessions that ended a day ago, and erasure keys older than the longest
    // time Telnyx redelivers or the history sync looks back (a generous ERASURE_KEY_DAYS).
    out.streamTokens = await count(sql`delete from voice_sessions
      where connected_at is null and expires_at < ${cutoff(asOf, 1)}::timestamptz returning 1`);
    out.sessions = await count(sql`delete from dashboard_sessions
      where expires_at < ${cutoff(asOf, 1)}::timestamptz or revoked_at < ${cutoff(asOf, 1)}::timestamptz returning 1`);
    out.erasureKeys = await count(
      sql`delete from erasures where erased_at < ${cutoff(asOf, ERASURE_KEY_DAYS)}::timestamptz returning 1`,
    );
    return out;
  });
}

/** How long an erased call or text stays listed (Telnyx redelivers for about a day; the sync looks back 26 h). */
export const ERASURE_KEY_DAYS = 30;
