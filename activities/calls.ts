/** Activities that keep the phone record in step with the call workflow. */
import { eq, sql } from 'drizzle-orm';
import type { Database } from '../db/client.js';
import { maskPhone } from '../db/phone.js';
import { getPhoneRecord, setStageStatus, upsertCallRecord } from '../db/queries/phone-records.js';
import { phoneRecords } from '../db/schema/index.js';
import type { CallSnapshot } from '../workflows/call-state.js';
import type { StageName, StageState } from '../workflows/call.messages.js';
import type { Providers } from './providers/index.js';

export interface CallActivityDeps {
  db: Database;
  providers: Providers;
  ownerName: string;
}

export function createCallActivities({ db, providers, ownerName }: CallActivityDeps) {
  return {
    /** Upsert the call's one phone record from the workflow's snapshot; returns ids and display text only. */
    async syncCallRecord({ snapshot }: { snapshot: CallSnapshot }) {
      const res = await upsertCallRecord(db, snapshot);
      return {
        phoneRecordId: res.phoneRecordId,
        contactId: res.contactId,
        displayName: res.contactId && res.callerName ? res.callerName : 'Unknown caller',
        maskedNumber: maskPhone(snapshot.otherParty),
      };
    },

    async closeUnfinishedCall({ phoneRecordId }: { phoneRecordId: string }) {
      await db.update(phoneRecords).set({ status: 'unknown', updatedAt: sql`now()` }).where(eq(phoneRecords.id, phoneRecordId));
    },

    async markStage({ phoneRecordId, stage, state, error }: { phoneRecordId: string; stage: StageName; state: StageState; error?: string }) {
      await setStageStatus(db, phoneRecordId, [stage], state, error);
    },

    async markStages({ phoneRecordId, stages, state, error }: { phoneRecordId: string; stages: StageName[]; state: StageState; error?: string }) {
      await setStageStatus(db, phoneRecordId, stages, state, error);
    },

    /** Answer an inbound Call Control call: greeting by name for known contacts, then a dual recording. */
    async answerCall({ callControlId, phoneRecordId }: { callControlId: string; phoneRecordId: string }) {
      const record = await getPhoneRecord(db, phoneRecordId);
      const firstName = record?.contactId && record.callerName ? record.callerName.split(' ')[0] : undefined;
      const greeting = `Hello${firstName ? ` ${firstName}` : ''}, you have reached ${ownerName}. This call is recorded.`;
      await providers.telephony.answerAndRecord({ callControlId, commandKey: phoneRecordId, greeting });
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
