/** The live receptionist's rows: stream tokens, the conversation as it happens, its outcome. */
import { and, desc, eq, gt, gte, inArray, isNull, sql } from 'drizzle-orm';
import type { Database } from '../client.js';
import { calendarEvents, contacts, notifications, phoneRecords, tasks, voiceSessions } from '../schema/index.js';
import type { VoiceOutcome, VoiceRing, VoiceTurn } from '../schema/voice.js';

export type VoiceSessionRow = typeof voiceSessions.$inferSelect;
export type { VoiceOutcome, VoiceRing, VoiceTurn };

/** How long a minted stream token can be claimed (Telnyx connects within seconds of the answer). */
export const STREAM_TOKEN_TTL_MS = 120_000;

/** A session for a call the product answered, claimable once with the token until `expiresAt`. */
export async function createVoiceSession(
  db: Database,
  v: {
    tokenHash: string;
    callControlId: string;
    callSessionId: string;
    contactId?: string | null;
    expiresAt: Date;
    ring?: VoiceRing;
  },
): Promise<string> {
  const [row] = await db.insert(voiceSessions).values(v).returning({ id: voiceSessions.id });
  return row!.id;
}

/**
 * Where ringing the owner stands, for the call's conversations (the workflow's word, or the
 * conversation's when the workflow is silent too long): `connected` only from `ringing`;
 * `unavailable` from any state before the legs are bridged (the bridge can fail after the
 * receptionist said it was putting the caller through). Returns whether a conversation changed.
 */
export async function setVoiceRing(db: Database, callControlId: string, ring: 'connected' | 'unavailable') {
  const from: VoiceRing[] = ring === 'connected' ? ['ringing'] : ['ringing', 'connected', 'handed_over'];
  const rows = await db
    .update(voiceSessions)
    .set({ ring })
    .where(and(eq(voiceSessions.callControlId, callControlId), inArray(voiceSessions.ring, from)))
    .returning({ id: voiceSessions.id });
  return rows.length > 0;
}

/**
 * The owner answered: the call's conversation is told (`ringing` → `connected`). True when it is
 * (or already was, on a retry) putting the caller through; false when it gave up on the owner.
 */
export async function connectVoiceRing(db: Database, callControlId: string): Promise<boolean> {
  if (await setVoiceRing(db, callControlId, 'connected')) return true;
  const rows = await db
    .select({ id: voiceSessions.id })
    .from(voiceSessions)
    .where(
      and(eq(voiceSessions.callControlId, callControlId), inArray(voiceSessions.ring, ['connected', 'handed_over'])),
    );
  return rows.length > 0;
}

/** The receptionist has told the caller they are being put through: the legs may be bridged. */
export async function markHandedOver(db: Database, id: string) {
  await db
    .update(voiceSessions)
    .set({ ring: 'handed_over' })
    .where(and(eq(voiceSessions.id, id), eq(voiceSessions.ring, 'connected')));
}

/**
 * Whether a call's conversation is still telling the caller they are being put through (a live
 * session whose owner answered and that has not handed over yet).
 */
export async function announcingHandOver(db: Database, callControlId: string): Promise<boolean> {
  const rows = await db
    .select({ id: voiceSessions.id })
    .from(voiceSessions)
    .where(
      and(
        eq(voiceSessions.callControlId, callControlId),
        eq(voiceSessions.ring, 'connected'),
        isNull(voiceSessions.endedAt),
        sql`${voiceSessions.connectedAt} is not null`,
      ),
    );
  return rows.length > 0;
}

/** The ring state of one conversation (read while the owner's phone rings). */
export async function voiceRingOf(db: Database, id: string): Promise<VoiceRing | null> {
  const [row] = await db.select({ ring: voiceSessions.ring }).from(voiceSessions).where(eq(voiceSessions.id, id));
  return row?.ring ?? null;
}

/** Claims the session the token opens: once, before it expires; null otherwise. */
export async function claimVoiceSession(db: Database, tokenHash: string, now = new Date()) {
  const [row] = await db
    .update(voiceSessions)
    .set({ connectedAt: now })
    .where(
      and(eq(voiceSessions.tokenHash, tokenHash), isNull(voiceSessions.connectedAt), gt(voiceSessions.expiresAt, now)),
    )
    .returning();
  return row ?? null;
}

/** One more turn, appended in the statement that stores it. */
export async function appendVoiceTurn(db: Database, id: string, turn: VoiceTurn): Promise<void> {
  await db
    .update(voiceSessions)
    .set({ turns: sql`${voiceSessions.turns} || ${JSON.stringify([turn])}::jsonb` })
    .where(eq(voiceSessions.id, id));
}

/** Rewrites the last turn (a reply cut short by the caller keeps only what was heard). */
export async function replaceLastVoiceTurn(db: Database, id: string, turn: VoiceTurn): Promise<void> {
  await db
    .update(voiceSessions)
    .set({
      turns: sql`(${voiceSessions.turns} - (jsonb_array_length(${voiceSessions.turns}) - 1)) || ${JSON.stringify([turn])}::jsonb`,
    })
    .where(eq(voiceSessions.id, id));
}

/** Ends the session (once: a second end keeps the first outcome). */
export async function endVoiceSession(db: Database, id: string, outcome: VoiceOutcome): Promise<void> {
  await db
    .update(voiceSessions)
    .set({ endedAt: new Date(), outcome })
    .where(and(eq(voiceSessions.id, id), isNull(voiceSessions.endedAt)));
}

/** The call's latest session, by its call session id. */
export async function voiceSessionOfCall(db: Database, callSessionId: string): Promise<VoiceSessionRow | null> {
  const [row] = await db
    .select()
    .from(voiceSessions)
    .where(eq(voiceSessions.callSessionId, callSessionId))
    .orderBy(sql`${voiceSessions.connectedAt} desc nulls last`, desc(voiceSessions.createdAt))
    .limit(1);
  return row ?? null;
}

/** The session bound to a call control id (TeXML's CallSid): the one that connected, else the latest. */
export async function voiceSessionOfControl(db: Database, callControlId: string): Promise<VoiceSessionRow | null> {
  const [row] = await db
    .select()
    .from(voiceSessions)
    .where(eq(voiceSessions.callControlId, callControlId))
    .orderBy(sql`${voiceSessions.connectedAt} desc nulls last`, desc(voiceSessions.createdAt))
    .limit(1);
  return row ?? null;
}

/** What the receptionist may know about a caller: the contact's name and open tasks with them. */
export async function receptionistContext(
  db: Database,
  contactId: string | null,
  now: Date,
  o: { days?: number; callSessionId?: string } = {},
) {
  const days = o.days ?? 14;
  const [contact] = contactId
    ? await db
        .select({ name: sql<string>`trim(${contacts.firstName} || ' ' || ${contacts.lastName})` })
        .from(contacts)
        .where(eq(contacts.id, contactId))
    : [];
  const open = contactId
    ? await db
        .select({ title: tasks.title })
        .from(tasks)
        .where(and(eq(tasks.contactId, contactId), eq(tasks.status, 'open')))
        .orderBy(desc(tasks.createdAt))
        .limit(3)
    : [];
  // The caller's previous call (not this one).
  const [previous] = contactId
    ? await db
        .select({
          at: sql<Date>`max(coalesce(${phoneRecords.startedAt}, ${phoneRecords.createdAt}))`.mapWith(
            phoneRecords.startedAt,
          ),
        })
        .from(phoneRecords)
        .where(
          and(
            eq(phoneRecords.contactId, contactId),
            o.callSessionId ? sql`${phoneRecords.callSessionId} <> ${o.callSessionId}` : sql`true`,
          ),
        )
    : [];
  const until = new Date(now.getTime() + days * 86_400_000);
  const busy = await db
    .select({ start: calendarEvents.startTime, end: calendarEvents.endTime })
    .from(calendarEvents)
    .where(
      and(
        gte(sql`coalesce(${calendarEvents.endTime}, ${calendarEvents.startTime} + interval '1 hour')`, now),
        sql`${calendarEvents.startTime} < ${until.toISOString()}::timestamptz`,
      ),
    );
  return {
    name: contact?.name ?? undefined,
    openTasks: open.map((t) => t.title),
    lastCallAt: previous?.at ?? undefined,
    busy: busy.map((b) => ({ start: b.start, end: b.end ?? new Date(b.start.getTime() + 3_600_000) })),
  };
}

/**
 * The message a caller left, for the owner: a task (due at the agreed callback) and a notification,
 * both keyed by the session so a retry adds nothing. Linked to the call when its record exists.
 */
export async function recordReceptionistMessage(
  db: Database,
  s: { sessionId: string; callSessionId: string; contactId: string | null },
  m: { title: string; body: string; dueAt?: Date; urgent: boolean },
): Promise<string> {
  return db.transaction(async (tx) => {
    const [call] = await tx
      .select({ id: phoneRecords.id })
      .from(phoneRecords)
      .where(eq(phoneRecords.callSessionId, s.callSessionId));
    const key = `receptionist:${s.sessionId}`;
    await tx
      .insert(tasks)
      .values({
        title: m.title,
        description: m.body,
        priority: m.urgent ? 'high' : 'medium',
        dueDate: m.dueAt ?? null,
        owner: 'me',
        contactId: s.contactId,
        phoneRecordId: call?.id ?? null,
        source: 'receptionist',
        sourceKey: key,
      })
      .onConflictDoNothing({ target: tasks.sourceKey });
    const [task] = await tx.select({ id: tasks.id }).from(tasks).where(eq(tasks.sourceKey, key));
    await tx
      .insert(notifications)
      .values({
        dedupeKey: `${key}:inbox`,
        rule: 'receptionist_message',
        channel: 'inbox',
        title: m.title,
        body: m.body,
        contactId: s.contactId,
        phoneRecordId: call?.id ?? null,
        status: 'sent',
        sentAt: new Date(),
      })
      .onConflictDoNothing({ target: notifications.dedupeKey });
    return task!.id;
  });
}
