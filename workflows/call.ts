/**
 * One durable workflow per call (id `call-<call_session_id>`): it folds Telnyx events into the
 * call's state, answers Call Control calls, waits for the hangup and the recording, then runs the
 * pipeline. History carries ids and small values only.
 */
import {
  ActivityFailure,
  condition,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import {
  activityProfiles,
  callTimeouts,
  CALL_LATE_CONTACT_PATCH,
  CALL_SETTLE_OUTCOME_PATCH,
  CALL_STAGE_MARKS_PATCH,
  CALL_STRAGGLER_WINDOW_PATCH,
  CALL_WORKFLOW_V2_PATCH,
  localActivityProfiles,
  searchAttributes,
} from '../temporal.config.js';
import { callEventSignal, getCallProgressQuery } from './signals.js';
import type { CallEvent, CallProgress, CallSnapshot, CallWorkflowInput, StageName, StageState } from '../contract/index.js';

export type { CallWorkflowInput };
import { applyEvent, isSettled, needsAnswer, newCallState, snapshot } from './call-state.js';
import { afterAudioFailure, planStages, type StagePlan } from './call-plan.js';
import { AUDIO_STAGES } from '../contract/stages.js';

const remoteDb = proxyActivities<Activities>(activityProfiles.db);
const localDb = proxyLocalActivities<Activities>(localActivityProfiles.db);
const callControl = proxyActivities<Activities>(activityProfiles.callControl);
const record = proxyActivities<Activities>(activityProfiles.record);
const stt = proxyActivities<Activities>(activityProfiles.transcribe);
const llm = proxyActivities<Activities>(activityProfiles.llm);
const embed = proxyActivities<Activities>(activityProfiles.embed);
const notify = proxyActivities<Activities>(activityProfiles.notify);

export interface CallWorkflowResult {
  phoneRecordId: string;
  status: string;
  stages: Partial<Record<StageName, StageState>>;
}

/** The call workflow. */
export async function callWorkflow(input: CallWorkflowInput): Promise<CallWorkflowResult> {
  // Runs recorded before this patch used ordinary activities for the database steps and took the
  // first terminal state as final; they replay so.
  const v2 = patched(CALL_WORKFLOW_V2_PATCH);
  // Runs before this patch closed right after their pipeline and did not count a recording as an answer.
  const v3 = v2 && patched(CALL_STRAGGLER_WINDOW_PATCH);
  const db = v2 ? localDb : remoteDb;
  const state = newCallState(input.callSessionId, { recordingProvesAnswer: v3 });
  let dirty = false;
  // Set by an event that can change what the call was: an answer, or a recording (or its error).
  let pathEvent = false;
  const progress: CallProgress = {
    callSessionId: input.callSessionId,
    status: 'initiated',
    stage: 'waiting',
    stages: {},
    eventsSeen: 0,
    duplicatesIgnored: 0,
  };
  setHandler(callEventSignal, (event) => {
    if (event.callSessionId !== input.callSessionId) return;
    if (applyEvent(state, event)) {
      dirty = true;
      if (changesPath(event)) pathEvent = true;
    }
    progress.eventsSeen = state.events.length;
    progress.duplicatesIgnored = state.duplicatesIgnored;
  });
  setHandler(getCallProgressQuery, () => progress);
  for (const event of input.initialEvents ?? []) {
    if (event.callSessionId === input.callSessionId && applyEvent(state, event)) dirty = true;
  }
  let storedRecording = false;
  if (input.reopenPhoneRecordId) {
    // What the closed run left, as events; the late event that reopened the call arrives as a signal.
    const stored = await db.loadStoredCallEvents({ phoneRecordId: input.reopenPhoneRecordId });
    for (const event of stored.events) if (applyEvent(state, event)) dirty = true;
    storedRecording = stored.hasRecording;
  }

  let details = '';
  let snap: CallSnapshot;
  let phoneRecordId: string;
  let contactId: string | null = null;
  if (input.reprocessPhoneRecordId) {
    const stored = await db.loadCallForReprocess({ phoneRecordId: input.reprocessPhoneRecordId });
    snap = stored.snapshot;
    phoneRecordId = input.reprocessPhoneRecordId;
    contactId = stored.contactId;
    storedRecording = stored.hasRecording;
  } else {
    const live = await followCall();
    snap = live.snap;
    phoneRecordId = live.phoneRecordId;
    contactId = live.contactId;
  }
  progress.phoneRecordId = phoneRecordId;
  progress.status = snap.status;

  const options = { storedRecording };
  // The window for stragglers runs from when this run stopped following the call: after its hangup
  // (and the settle and recording waits), or from the start of a run reopened by a late event.
  const closeAt = Date.now() + (input.stragglerWindowMs ?? callTimeouts.stragglerWindowMs);
  await runPipeline(db, snap, phoneRecordId, contactId, options, progress);
  if (v2 && !input.reprocessPhoneRecordId) await absorbLateEvents();
  if (v3 && !input.reprocessPhoneRecordId) {
    // Telnyx redelivers for minutes and in any order: stay open while a late event could still
    // change what the call was, and re-plan it when one does (the skipped stages run, the alerts
    // for the path not taken are withdrawn by notify). The run reads as finished meanwhile.
    finish();
    while (!isSettled(state) && Date.now() < closeAt) {
      if (!(await condition(() => dirty, closeAt - Date.now()))) break;
      await absorbLateEvents();
      finish();
    }
    return { phoneRecordId, status: progress.status, stages: progress.stages };
  }
  if (dirty) await persist();
  finish();
  return { phoneRecordId, status: progress.status, stages: progress.stages };

  /**
   * Telnyx delivers out of order: an `answered` or a recording can still arrive after the pipeline
   * began. When late events change what the call was, the pipeline runs again for the call as it
   * turned out (every write is keyed by call and stage, so nothing is done twice).
   */
  async function absorbLateEvents() {
    while (dirty) {
      const res = await awaitRecording(await persist());
      if (pathOf(res.snap) === pathOf(snap)) {
        // Same call, but now with its caller known: score and notify for the contact (the stages
        // that read the audio have nothing new to do).
        if (res.contactId && res.contactId !== contactId && patched(CALL_LATE_CONTACT_PATCH)) {
          contactId = res.contactId;
          await pipelineStages(db, phoneRecordId, progress).contact(
            planStages(res.snap, { ...options, contactId }).rescore,
          );
        }
        continue;
      }
      snap = res.snap;
      contactId = res.contactId;
      await runPipeline(db, snap, phoneRecordId, contactId, options, progress);
    }
  }

  /** The run's end as the Temporal UI shows it: stage `finished`, its outcome and failed stages. */
  function finish() {
    progress.stage = 'finished';
    if (!patched(CALL_SETTLE_OUTCOME_PATCH)) {
      upsertSearchAttributes([{ key: searchAttributes.callStage, value: 'finished' }]);
      return;
    }
    // The Temporal UI shows the run as Completed either way: the outcome says whether its stages did their job.
    const failed = (Object.keys(progress.stages) as StageName[]).filter((k) => progress.stages[k] === 'failed');
    // `failed`: the call's audio never became a transcript; `degraded`: a later stage failed.
    const outcome =
      failed.length === 0 ? 'ok' : failed.some((f) => f === 'record' || f === 'transcribe') ? 'failed' : 'degraded';
    progress.outcome = outcome;
    upsertSearchAttributes([
      { key: searchAttributes.callStage, value: 'finished' },
      { key: searchAttributes.callOutcome, value: outcome },
      { key: searchAttributes.failedStages, value: failed },
    ]);
    setCurrentDetails(`${details}; outcome ${outcome}${failed.length ? ` (failed: ${failed.join(', ')})` : ''}`);
  }

  async function persist() {
    dirty = false;
    const s = snapshot(state);
    const res = await db.syncCallRecord({ snapshot: s });
    progress.status = s.status;
    upsertSearchAttributes([
      { key: searchAttributes.callStatus, value: s.status },
      { key: searchAttributes.callDirection, value: s.direction },
      ...(res.contactId ? [{ key: searchAttributes.contactId, value: res.contactId }] : []),
    ]);
    details = `${res.maskedNumber}, ${s.direction}, ${s.status}${s.durationSeconds ? `, ${formatDuration(s.durationSeconds)}` : ''}`;
    setCurrentDetails(details);
    return { snap: s, ...res };
  }

  async function followCall() {
    await condition(() => dirty);
    let res = await persist();
    let answerSent = false;
    const deadline = workflowInfo().startTime.getTime() + callTimeouts.maxCallLengthMs;
    while (!res.snap.terminal) {
      if (!answerSent && needsAnswer(state)) {
        answerSent = true;
        await callControl.answerCall({ callControlId: res.snap.callControlId!, phoneRecordId: res.phoneRecordId });
      }
      const arrived = await condition(() => dirty, Math.max(1, deadline - Date.now()));
      if (!arrived) {
        // No hangup ever came: close the call as unknown; sync reconciles it against Telnyx later.
        await db.closeUnfinishedCall({ phoneRecordId: res.phoneRecordId });
        return { ...res, snap: { ...res.snap, status: 'unknown' as const, terminal: true } };
      }
      res = await persist();
    }
    // A hangup can overtake the `answered` before it: give an unanswered call's stragglers a moment.
    // Only an answer or a recording ends the wait early; any other event (a late `initiated`)
    // says nothing about whether the call was missed. Runs before the patch ended on any event.
    if (v2 && res.snap.status !== 'completed') {
      const settleOnPath = patched(CALL_SETTLE_OUTCOME_PATCH);
      pathEvent = false;
      if (await condition(() => (settleOnPath ? pathEvent : dirty), callTimeouts.unansweredSettle))
        res = await persist();
    }
    return awaitRecording(res);
  }

  /** A completed call's recording follows its hangup: wait for it (or its error) for a while. */
  async function awaitRecording(res: Awaited<ReturnType<typeof persist>>) {
    if (res.snap.status === 'completed' && !res.snap.recording && !res.snap.recordingError) {
      await condition(
        () => snapshot(state).recording !== undefined || snapshot(state).recordingError !== undefined,
        callTimeouts.recordingAfterHangup,
      );
    }
    return dirty ? persist() : res;
  }
}

const pathEvents = new Set<CallEvent['type']>(['call.answered', 'call.recording.saved', 'call.recording.error']);
const changesPath = (e: CallEvent) => pathEvents.has(e.type) || (e.type === 'call.hangup' && Boolean(e.answeredAt));
const formatDuration = (s: number) => (s >= 60 ? `${Math.floor(s / 60)} min ${s % 60} s` : `${s} s`);

/** What decides the pipeline's path: the final status, and whether there is audio to process. */
const pathOf = (snap: CallSnapshot) => `${snap.status}:${snap.recording ? 'recording' : 'none'}`;

/** The pipeline's stages for one call: each runs as `stage` (status, search attribute, failure mark). */
function pipelineStages(db: typeof remoteDb, phoneRecordId: string, progress: CallProgress) {
  const stage = async (name: StageName, fn: () => Promise<unknown>): Promise<boolean> => {
    progress.stage = name;
    progress.stages[name] = 'running';
    upsertSearchAttributes([{ key: searchAttributes.callStage, value: name }]);
    try {
      await fn();
      progress.stages[name] = 'done';
      return true;
    } catch (err) {
      if (!(err instanceof ActivityFailure)) throw err;
      progress.stages[name] = 'failed';
      const reason = err.cause?.message ?? err.message;
      const error = reason.slice(0, 500);
      if (patched(CALL_STAGE_MARKS_PATCH))
        await db.markStages({ phoneRecordId, stages: [name], state: 'failed', error });
      else await db.markStage({ phoneRecordId, stage: name, state: 'failed', error });
      return false;
    }
  };
  const skip = async (names: StageName[], why: string) => {
    for (const name of names) progress.stages[name] = 'skipped';
    await db.markStages({ phoneRecordId, stages: names, state: 'skipped', error: why });
  };

  return {
    /** record, transcribe, summarize, sentiment, embed: or skipped, with the reason (see call-plan.ts). */
    async audio(snap: CallSnapshot, plan: StagePlan['audio']) {
      if (!plan.run) return skip([...AUDIO_STAGES], plan.why);
      const stored =
        !plan.record ||
        (await stage('record', () => record.recordStage({ phoneRecordId, recording: snap.recording! })));
      const transcribed = stored && (await stage('transcribe', () => stt.transcribeStage({ phoneRecordId })));
      if (!transcribed) return skip(['summarize', 'sentiment', 'embed'], afterAudioFailure(stored));
      await stage('summarize', () => llm.summarizeStage({ phoneRecordId }));
      await stage('sentiment', () => llm.sentimentStage({ phoneRecordId }));
      await stage('embed', () => embed.embedStage({ phoneRecordId }));
    },
    /** rescore (when the caller is a contact) and notify. */
    async contact(plan: StagePlan['rescore']) {
      if (plan.run) await stage('rescore', () => db.rescoreContact({ contactId: plan.contactId, phoneRecordId }));
      else await skip(['rescore'], plan.why);
      await stage('notify', () => notify.notifyStage({ phoneRecordId }));
    },
  };
}

async function runPipeline(
  db: typeof remoteDb,
  snap: CallSnapshot,
  phoneRecordId: string,
  contactId: string | null,
  { storedRecording }: { storedRecording: boolean },
  progress: CallProgress,
): Promise<void> {
  const stages = pipelineStages(db, phoneRecordId, progress);
  const plan = planStages(snap, { storedRecording, contactId });
  await stages.audio(snap, plan.audio);
  await stages.contact(plan.rescore);
}
