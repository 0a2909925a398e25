/** Activities that keep the phone record in step with the call workflow. */
import {
  announcingHandOver,
  connectVoiceRing,
  createVoiceSession,
  setVoiceRing,
  STREAM_TOKEN_TTL_MS,
} from '../db/queries/voice.js';
import { eq } from 'drizzle-orm';
import { contacts } from '../db/schema/index.js';
import { OWNER_LEG_CLIENT_STATE } from '../contract/index.js';
import { ringsOwnerFirst, type RingOwnerRule } from './ring-owner.js';
import { newStreamToken } from '../platform/tokens.js';
import { createHmac, randomBytes } from 'node:crypto';
import { log } from '@temporalio/activity';
import type { CountryCode } from 'libphonenumber-js';
import type { Database } from '../db/client.js';
import { maskPhone, normaliseParty } from '../platform/phone.js';
import { greetingText } from '../platform/greeting.js';
import {
  getPhoneRecord,
  knownCallSessions,
  markCallUnknown,
  setStageStatus,
  type PhoneRecordRow,
  upsertCallRecord,
} from '../db/queries/phone-records.js';
import type { CallEvent, CallSnapshot, StageName, StageState } from '../contract/index.js';
import { erasedAmong } from '../db/queries/forget.js';
import { callWorkflowId } from '../temporal.config.js';
import type { CallDetailRecord } from './providers/telephony/port.js';
import type { Providers } from './providers/index.js';

export interface CallActivityDeps {
  db: Database;
  providers: Providers;
  ownerName: string;
  /** Where Telnyx fetches greeting audio from (the API's /media route). */
  publicBaseUrl: string;
  /** Secret for naming greeting audio; the same on every worker lets them share the cache. */
  mediaKey?: Buffer;
  /** Where numbers without a country code are (PHONE_DEFAULT_REGION). */
  region: CountryCode;
  /** The live receptionist (RECEPTIONIST=on): answered calls stream to it. */
  receptionist?: { enabled: boolean; streamBase: string; ringOwner?: RingOwnerRule };
  /** The owner's own phone (OWNER_PHONE_NUMBER): rung first when the rules say so. */
  ownerPhoneNumber?: string;
  /** The owner's time zone (the ring rule's hours are on the owner's clock). */
  timeZone?: string;
  /** At most how long `connectOwner` lets the receptionist say it is putting the caller through. */
  announceMs?: number;
}

/** At most how long the receptionist has to say "putting you through" before the legs are bridged. */
export const CONNECT_ANNOUNCE_MS = 10_000;

/**
 * The greeting's audio URL: synthesised once per (voice, text), cached in the media store. A TTS
 * failure never delays the answer: the caller then hears Telnyx's own voice.
 */
async function greetingAudioUrl(
  providers: Providers,
  publicBaseUrl: string,
  text: string,
  mediaKey: Buffer,
): Promise<string | undefined> {
  const tts = providers.tts;
  if (!tts) return undefined;
  const name = greetingFileName(tts.voice, text, mediaKey);
  const url = `${publicBaseUrl.replace(/\/$/, '')}/media/greetings/${name}`;
  try {
    await providers.media.get(`file://greetings/${name}`);
    return url;
  } catch {
    // not cached yet
  }
  try {
    const { audio, contentType } = await tts.synthesize(text);
    await providers.media.put(`greetings/${name}`, audio, contentType);
    return url;
  } catch (err) {
    log.warn('greeting audio unavailable; Telnyx speaks the greeting', {
      provider: tts.name,
      error: (err as Error).message.slice(0, 200),
    });
    return undefined;
  }
}

/**
 * The cached greeting audio's file name for (voice, text). Named by an HMAC with a server secret:
 * the public URL does not let anyone test which names (which contacts) have called by hashing a
 * list of first names. Erasure uses it to remove a forgotten contact's greeting.
 */
export const greetingFileName = (voice: string, text: string, mediaKey: Buffer): string =>
  `${createHmac('sha256', mediaKey).update(`${voice}\n${text}`).digest('hex')}.mp3`;

export function createCallActivities({
  db,
  providers,
  ownerName,
  publicBaseUrl,
  mediaKey = randomBytes(32),
  region,
  receptionist,
  ownerPhoneNumber,
  timeZone = 'UTC',
  announceMs = CONNECT_ANNOUNCE_MS,
}: CallActivityDeps) {
  /** Whether this call rings the owner first (the rules, the caller, the owner's clock). */
  async function ringsOwner(record: { contactId: string | null } | null): Promise<boolean> {
    const rule = receptionist?.ringOwner;
    if (!record || !receptionist?.enabled || !ownerPhoneNumber || !rule || rule.rule === 'off') return false;
    const [contact] = record.contactId
      ? await db.select({ score: contacts.relationshipScore }).from(contacts).where(eq(contacts.id, record.contactId))
      : [];
    return ringsOwnerFirst(rule, { isContact: Boolean(contact), score: contact?.score }, new Date(), timeZone);
  }

  return {
    /** Upsert the call's one phone record from the workflow's snapshot; returns ids and the masked number only (no names in history). */
    async syncCallRecord({ snapshot }: { snapshot: CallSnapshot }) {
      const res = await upsertCallRecord(db, snapshot);
      return {
        phoneRecordId: res.phoneRecordId,
        contactId: res.contactId,
        maskedNumber: maskPhone(snapshot.otherParty),
      };
    },

    async closeUnfinishedCall({ phoneRecordId }: { phoneRecordId: string }) {
      await markCallUnknown(db, phoneRecordId);
    },

    /** Record stages as failed or skipped (the workflow's decision; see the stage-status note in ARCHITECTURE.md). */
    async markStages({
      phoneRecordId,
      stages,
      state,
      error,
    }: {
      phoneRecordId: string;
      stages: StageName[];
      state: StageState;
      error?: string;
    }) {
      await setStageStatus(db, phoneRecordId, stages, state, error);
    },

    /**
     * One stage's mark, as call workflows started before CALL_STAGE_MARKS_PATCH record a failure.
     * Kept only so those runs replay and finish; delete it once none of them is open.
     */
    async markStage(a: { phoneRecordId: string; stage: StageName; state: StageState; error?: string }) {
      await setStageStatus(db, a.phoneRecordId, [a.stage], a.state, a.error);
    },

    /**
     * Answer an inbound Call Control call with a dual recording, then hand it to the receptionist
     * (a stream with a single-use token bound to this call; it greets by name) or, without it, greet
     * by name for known contacts. A retry mints a fresh token; the one Telnyx presents is the one used.
     */
    async answerCall({
      callControlId,
      phoneRecordId,
    }: {
      callControlId: string;
      phoneRecordId: string;
    }): Promise<{ ringOwner: boolean }> {
      const record = await getPhoneRecord(db, phoneRecordId);
      const firstName = record?.contactId && record.callerName ? record.callerName.split(' ')[0] : undefined;
      const greeting = greetingText(firstName, ownerName);
      if (receptionist?.enabled && record) {
        const ringOwner = await ringsOwner(record);
        const { token, hash } = newStreamToken();
        await createVoiceSession(db, {
          tokenHash: hash,
          callControlId,
          callSessionId: record.callSessionId,
          contactId: record.contactId,
          expiresAt: new Date(Date.now() + STREAM_TOKEN_TTL_MS),
          ...(ringOwner ? { ring: 'ringing' as const } : {}),
        });
        await providers.telephony.answerAndRecord({
          callControlId,
          commandKey: phoneRecordId,
          greeting,
          stream: { url: `${receptionist.streamBase}/api/voice/telnyx-stream`, authToken: token },
        });
        return { ringOwner };
      }
      const audioUrl = await greetingAudioUrl(providers, publicBaseUrl, greeting, mediaKey);
      await providers.telephony.answerAndRecord({
        callControlId,
        commandKey: phoneRecordId,
        greeting,
        greetingAudioUrl: audioUrl,
      });
      return { ringOwner: false };
    },

    /**
     * Ring the owner's phone, linked to the caller's leg (the caller's number shows; premium
     * answering-machine detection; tagged so its webhooks reach this call's workflow as the owner's
     * leg). Idempotent on Telnyx's side by command id. Only ids in and out.
     */
    async dialOwner({ callControlId, phoneRecordId }: { callControlId: string; phoneRecordId: string }) {
      const record = await getPhoneRecord(db, phoneRecordId);
      if (!ownerPhoneNumber || !record) throw new Error('ringing the owner needs OWNER_PHONE_NUMBER and the call');
      const seconds = receptionist?.ringOwner?.seconds ?? 20;
      const leg = await providers.telephony.dialOwner({
        linkTo: callControlId,
        to: ownerPhoneNumber,
        from: record.ourNumber ?? ownerPhoneNumber,
        timeoutSecs: seconds,
        clientState: OWNER_LEG_CLIENT_STATE,
        commandKey: phoneRecordId,
      });
      return { ownerCallControlId: leg.callControlId, ringSeconds: seconds };
    },

    /**
     * The owner answered in person: the receptionist finishes its sentence and says it is putting
     * the caller through (it reads `connected`, and marks `handed_over` once that has played; at
     * most `announceMs`), then its stream stops and the two legs are bridged.
     */
    async connectOwner(a: {
      callControlId: string;
      ownerCallControlId: string;
      phoneRecordId: string;
    }): Promise<{ connected: boolean }> {
      if (!(await connectVoiceRing(db, a.callControlId))) {
        // The conversation gave up on the owner already (it heard nothing for too long): the
        // receptionist has the caller, and the owner's leg goes.
        await providers.telephony.hangupLeg({
          callControlId: a.ownerCallControlId,
          commandKey: `${a.phoneRecordId}-owner`,
        });
        return { connected: false };
      }
      const until = Date.now() + announceMs;
      while (Date.now() < until && (await announcingHandOver(db, a.callControlId)))
        await new Promise((r) => setTimeout(r, 150));
      await providers.telephony.bridgeToOwner({
        callControlId: a.callControlId,
        ownerCallControlId: a.ownerCallControlId,
        commandKey: a.phoneRecordId,
      });
      return { connected: true };
    },

    /**
     * The owner did not take the call (no answer, busy, voicemail, or the caller left): hang up the
     * owner's leg when it may still be up, so the owner's voicemail never takes the call, and the
     * receptionist carries on (it reads `unavailable`).
     */
    async releaseOwner(a: {
      callControlId: string;
      ownerCallControlId?: string;
      phoneRecordId: string;
      hangUp: boolean;
    }) {
      if (a.hangUp && a.ownerCallControlId)
        await providers.telephony.hangupLeg({
          callControlId: a.ownerCallControlId,
          commandKey: `${a.phoneRecordId}-owner`,
        });
      await setVoiceRing(db, a.callControlId, 'unavailable');
    },

    /**
     * Reconciliation: Telnyx detail records since `sinceIso` that have no phone record yet, as
     * the events their call workflow should start from (the recording is marked as not coming).
     */
    async findUnrecordedCalls({ sinceIso, limit }: { sinceIso: string; limit: number }) {
      const cdrs = await providers.telephony.listCallDetailRecords({ since: new Date(sinceIso), limit });
      if (cdrs.length === 0) return { checked: 0, missing: [] as CallEvent[][] };
      const seen = await knownCallSessions(
        db,
        cdrs.map((c) => c.callSessionId),
      );
      // Calls the owner had erased are neither missing nor recreated.
      const erased = await erasedAmong(
        db,
        cdrs.map((c) => callWorkflowId(c.callSessionId)),
      );
      const missing = cdrs
        .filter((c) => !seen.has(c.callSessionId) && !erased.has(callWorkflowId(c.callSessionId)))
        .map((c) => eventsFromDetailRecord(c, region));
      return { checked: cdrs.length, missing };
    },

    /** A closed call's stored record as events, for the run a late event reopens (see eventsFromStoredRecord). */
    async loadStoredCallEvents({ phoneRecordId }: { phoneRecordId: string }) {
      const r = await getPhoneRecord(db, phoneRecordId);
      if (!r) throw new Error(`phone record ${phoneRecordId} not found`);
      return { events: eventsFromStoredRecord(r), hasRecording: Boolean(r.recordingLocation) };
    },

    /** The stored facts of a call, for a reprocessing run. */
    async loadCallForReprocess({ phoneRecordId }: { phoneRecordId: string }) {
      const r = await getPhoneRecord(db, phoneRecordId);
      if (!r) throw new Error(`phone record ${phoneRecordId} not found`);
      const snapshot: CallSnapshot = {
        callSessionId: r.callSessionId,
        source: r.source === 'texml' ? 'texml' : 'call_control',
        status: r.status as CallSnapshot['status'],
        terminal: true,
        direction: r.direction === 'outbound' ? 'outbound' : 'inbound',
        otherParty: r.phoneNumber,
        startedAt: r.startedAt?.toISOString(),
        endedAt: r.endedAt?.toISOString(),
        durationSeconds: r.durationSeconds ?? undefined,
      };
      return { snapshot, contactId: r.contactId, hasRecording: Boolean(r.recordingLocation) };
    },
  };
}

/**
 * The events a stored phone record implies (a closed run's outcome, as a reopened run starts from
 * it): initiated, answered when it was, the hangup as stored. The stored recording is not an event;
 * the run is told it is stored.
 */
export function eventsFromStoredRecord(r: PhoneRecordRow): CallEvent[] {
  const base = {
    source: (r.source === 'texml' ? 'texml' : 'call_control') as CallEvent['source'],
    callSessionId: r.callSessionId,
    callControlId: r.callControlId ?? undefined,
    callLegId: r.callLegId ?? undefined,
    direction: (r.direction === 'outbound' ? 'outbound' : 'inbound') as CallEvent['direction'],
    otherParty: r.phoneNumber,
    ourNumber: r.ourNumber ?? undefined,
    callerName: r.callerName ?? undefined,
  };
  const key = (t: string) => `stored:${r.callSessionId}:${t}`;
  const start = (r.startedAt ?? r.createdAt).toISOString();
  const events: CallEvent[] = [
    { ...base, eventId: key('initiated'), type: 'call.initiated', occurredAt: start, startedAt: start },
  ];
  if (r.answeredAt)
    events.push({ ...base, eventId: key('answered'), type: 'call.answered', occurredAt: r.answeredAt.toISOString() });
  if (r.endedAt || r.hangupCause) {
    const end = (r.endedAt ?? r.lastEventAt ?? r.createdAt).toISOString();
    events.push({
      ...base,
      eventId: key('hangup'),
      type: 'call.hangup',
      occurredAt: end,
      endedAt: end,
      hangupCause: r.hangupCause ?? undefined,
      hangupSource: r.hangupSource ?? undefined,
    });
  }
  return events;
}

/** The events a detail record implies: initiated, answered when it lasted, hangup, no recording. */
export function eventsFromDetailRecord(d: CallDetailRecord, region: CountryCode): CallEvent[] {
  // Numbers without a country code are read in the owner's region (PHONE_DEFAULT_REGION), as webhooks are.
  const other = normaliseParty(d.direction === 'inbound' ? d.from : d.to, region).display;
  const ours = normaliseParty(d.direction === 'inbound' ? d.to : d.from, region).display;
  const start = d.startedAt ?? d.endedAt ?? new Date(0).toISOString();
  const end = d.endedAt ?? start;
  const base = {
    source: 'call_control' as const,
    callSessionId: d.callSessionId,
    callControlId: d.callControlId,
    direction: d.direction,
    otherParty: other,
    ourNumber: ours,
    callerName: d.callerName,
  };
  const key = (t: string) => `cdr:${d.callSessionId}:${t}`;
  const answeredAt =
    d.durationSeconds && d.durationSeconds > 0
      ? new Date(Date.parse(end) - d.durationSeconds * 1000).toISOString()
      : undefined;
  return [
    { ...base, eventId: key('initiated'), type: 'call.initiated', occurredAt: start, startedAt: start },
    ...(answeredAt
      ? [{ ...base, eventId: key('answered'), type: 'call.answered' as const, occurredAt: answeredAt }]
      : []),
    {
      ...base,
      eventId: key('hangup'),
      type: 'call.hangup',
      occurredAt: end,
      endedAt: end,
      startedAt: start,
      hangupCause: answeredAt ? 'normal_clearing' : 'no_answer',
    },
    {
      ...base,
      eventId: key('recording'),
      type: 'call.recording.error',
      occurredAt: end,
      recordingError: 'reconciled from detail records; no recording fetched',
    },
  ];
}
