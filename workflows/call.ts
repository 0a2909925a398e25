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
  CALL_CALLER_BEFORE_NOTIFY_PATCH,
  CALL_CONVERSATION_PATCH,
  CALL_RECEPTIONIST_END_PATCH,
  CALL_RING_OWNER_PATCH,
  RECEPTIONIST_END_WAIT_MS,
  RING_OWNER_GRACE_MS,
  CALL_LATE_CONTACT_PATCH,
  CALL_SETTLE_OUTCOME_PATCH,
  CALL_STAGE_MARKS_PATCH,
  CALL_STRAGGLER_WINDOW_PATCH,
  CALL_WORKFLOW_V2_PATCH,
  localActivityProfiles,
  searchAttributes,
} from '../temporal.config.js';
import { callEventSignal, getCallProgressQuery, receptionistSignal } from './signals.js';
import type {
  CallEvent,
  CallProgress,
  CallSnapshot,
  CallWorkflowInput,
  StageName,
  StageState,
} from '../contract/index.js';

export type { CallWorkflowInput };
import { applyEvent, isSettled, needsAnswer, newCallState, ownerLeg, snapshot } from './call-state.js';
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

/**
 * Everything one run of a call knows, in one record: the signal handler writes events into it, and
 * each step of the story below reads and updates it. Nothing else is shared between the steps.
 */
interface CallRun {
  readonly input: CallWorkflowInput;
  /** Which generation of the workflow this run is (see "Patch generations" in temporal.config.ts). */
  readonly v2: boolean;
  readonly v3: boolean;
  readonly db: typeof remoteDb;
  readonly state: ReturnType<typeof newCallState>;
  readonly progress: CallProgress;
  /** Events arrived that the stored record does not reflect yet. */
  dirty: boolean;
  /** Set by an event that can change what the call was: an answer, or a recording (or its error). */
  pathEvent: boolean;
  /** The run's one-line summary in the Temporal UI. */
  details: string;
  /** A recording of this call is already stored (a reprocessed or reopened call). */
  storedRecording: boolean;
}

/** The call as this run last stored it. */
interface StoredCall {
  snap: CallSnapshot;
  phoneRecordId: string;
  contactId: string | null;
}

/**
 * The call workflow: follow the call until it ends, settle what it was, run its pipeline, and stay
 * open for late events while they could still change the call.
 */
export async function callWorkflow(input: CallWorkflowInput): Promise<CallWorkflowResult> {
  const run = await openRun(input);
  const call = input.reprocessPhoneRecordId
    ? await storedCall(run, input.reprocessPhoneRecordId)
    : await followCall(run);
  run.progress.phoneRecordId = call.phoneRecordId;
  run.progress.status = call.snap.status;
  // The window for stragglers runs from when this run stopped following the call: after its hangup
  // (and the settle and recording waits), or from the start of a run reopened by a late event.
  const closeAt = Date.now() + (input.stragglerWindowMs ?? callTimeouts.stragglerWindowMs);
  await runPipeline(run, call);
  if (run.v2 && !input.reprocessPhoneRecordId) await absorbLateEvents(run, call);
  if (run.v3 && !input.reprocessPhoneRecordId) await stayOpenForStragglers(run, call, closeAt);
  else {
    if (run.dirty) await persist(run);
    finish(run);
  }
  return { phoneRecordId: call.phoneRecordId, status: run.progress.status, stages: run.progress.stages };
}

/** The run's record, its signal and query handlers, and the events it starts with. */
async function openRun(input: CallWorkflowInput): Promise<CallRun> {
  // Runs recorded before this patch used ordinary activities for the database steps and took the
  // first terminal state as final; they replay so.
  const v2 = patched(CALL_WORKFLOW_V2_PATCH);
  // Runs before this patch closed right after their pipeline and did not count a recording as an answer.
  const v3 = v2 && patched(CALL_STRAGGLER_WINDOW_PATCH);
  const run: CallRun = {
    input,
    v2,
    v3,
    db: v2 ? localDb : remoteDb,
    state: newCallState(input.callSessionId, { recordingProvesAnswer: v3 }),
    progress: {
      callSessionId: input.callSessionId,
      status: 'initiated',
      stage: 'waiting',
      stages: {},
      eventsSeen: 0,
      duplicatesIgnored: 0,
    },
    dirty: false,
    pathEvent: false,
    details: '',
    storedRecording: false,
  };
  setHandler(callEventSignal, (event) => {
    if (event.callSessionId !== input.callSessionId) return;
    if (applyEvent(run.state, event)) {
      run.dirty = true;
      if (changesPath(event) && event.leg !== 'owner') run.pathEvent = true;
    }
    run.progress.eventsSeen = run.state.events.length;
    run.progress.duplicatesIgnored = run.state.duplicatesIgnored;
  });
  setHandler(getCallProgressQuery, () => run.progress);
  setHandler(receptionistSignal, (m) => {
    run.progress.receptionist = [...(run.progress.receptionist ?? []), m.result ? `${m.kind}:${m.result}` : m.kind];
  });
  for (const event of input.initialEvents ?? []) {
    if (event.callSessionId === input.callSessionId && applyEvent(run.state, event)) run.dirty = true;
  }
  if (input.reopenPhoneRecordId) {
    // What the closed run left, as events; the late event that reopened the call arrives as a signal.
    const stored = await run.db.loadStoredCallEvents({ phoneRecordId: input.reopenPhoneRecordId });
    for (const event of stored.events) if (applyEvent(run.state, event)) run.dirty = true;
    run.storedRecording = stored.hasRecording;
  }
  return run;
}

/** A stored call, to run its pipeline again (reprocessing): no events to wait for. */
async function storedCall(run: CallRun, phoneRecordId: string): Promise<StoredCall> {
  const stored = await run.db.loadCallForReprocess({ phoneRecordId });
  run.storedRecording = stored.hasRecording;
  return { snap: stored.snapshot, phoneRecordId, contactId: stored.contactId };
}

/** Follow the live call: store each change, answer it when Call Control asks, until it ends; then settle. */
async function followCall(run: CallRun): Promise<StoredCall> {
  const { state } = run;
  await condition(() => run.dirty);
  let res = await persist(run);
  let answerSent = false;
  const ring: OwnerRing = { active: false, giveUpAt: 0 };
  const deadline = workflowInfo().startTime.getTime() + callTimeouts.maxCallLengthMs;
  while (!res.snap.terminal) {
    if (!answerSent && needsAnswer(state)) {
      answerSent = true;
      const answer = await callControl.answerCall({
        callControlId: res.snap.callControlId!,
        phoneRecordId: res.phoneRecordId,
      });
      if (answer?.ringOwner && patched(CALL_RING_OWNER_PATCH)) await dialOwner(run, ring, res);
    }
    const wakeAt = ring.active ? Math.min(deadline, ring.giveUpAt) : deadline;
    const arrived = await condition(() => run.dirty, Math.max(1, wakeAt - Date.now()));
    if (!arrived && wakeAt === deadline) {
      // No hangup ever came: close the call as unknown; sync reconciles it against Telnyx later.
      await run.db.closeUnfinishedCall({ phoneRecordId: res.phoneRecordId });
      return { ...res, snap: { ...res.snap, status: 'unknown' as const, terminal: true } };
    }
    if (run.dirty) res = await persist(run);
    if (ring.active) await followOwner(run, ring, res);
  }
  // The caller hung up while the owner's phone still rang.
  if (ring.active) await followOwner(run, ring, res);
  return settle(run, res);
}

/** Ringing the owner first: the owner's leg, and until when it may ring. */
interface OwnerRing {
  active: boolean;
  leg?: string;
  giveUpAt: number;
}

/** Dial the owner's leg (a failed dial hands the call to the receptionist at once). */
async function dialOwner(run: CallRun, ring: OwnerRing, res: StoredCall) {
  run.progress.ownerRing = 'ringing';
  try {
    const dialled = await callControl.dialOwner({
      callControlId: res.snap.callControlId!,
      phoneRecordId: res.phoneRecordId,
    });
    ring.active = true;
    ring.leg = dialled.ownerCallControlId;
    ring.giveUpAt = Date.now() + dialled.ringSeconds * 1000 + RING_OWNER_GRACE_MS;
  } catch (err) {
    if (!(err instanceof ActivityFailure)) throw err;
    await releaseOwner(run, ring, res, 'the dial failed', false);
  }
}

/**
 * The owner's leg as its events say (call-state.ts `ownerLeg`): a person answered → put the
 * caller through; voicemail, busy, no answer, or the caller gone → hang the owner's leg up and let
 * the receptionist carry on. Nothing heard by the ring time (and a grace) counts as no answer.
 */
async function followOwner(run: CallRun, ring: OwnerRing, res: StoredCall) {
  const leg = ownerLeg(run.state);
  const callerGone = res.snap.terminal;
  if (leg.status === 'human' && !callerGone) {
    ring.active = false;
    try {
      const c = await callControl.connectOwner({
        callControlId: res.snap.callControlId!,
        ownerCallControlId: ring.leg!,
        phoneRecordId: res.phoneRecordId,
      });
      run.progress.ownerRing = c.connected ? 'put through' : 'not taken (answered too late)';
    } catch (err) {
      if (!(err instanceof ActivityFailure)) throw err;
      await releaseOwner(run, ring, res, 'the bridge failed', true);
    }
  } else if (leg.status === 'unavailable') {
    await releaseOwner(run, ring, res, leg.why ?? 'no answer', !leg.ended);
  } else if (leg.status === 'bridged') {
    ring.active = false;
    run.progress.ownerRing = 'put through';
  } else if (callerGone) {
    await releaseOwner(run, ring, res, 'the caller hung up', !leg.ended);
  } else if (Date.now() >= ring.giveUpAt) {
    await releaseOwner(run, ring, res, 'no answer', true);
  }
}

async function releaseOwner(run: CallRun, ring: OwnerRing, res: StoredCall, why: string, hangUp: boolean) {
  ring.active = false;
  run.progress.ownerRing = `not taken (${why})`;
  try {
    await callControl.releaseOwner({
      callControlId: res.snap.callControlId!,
      ownerCallControlId: ring.leg,
      phoneRecordId: res.phoneRecordId,
      hangUp,
    });
  } catch (err) {
    if (!(err instanceof ActivityFailure)) throw err;
    // The owner's leg hangs up by its own ring timeout; the receptionist is already talking.
  }
}

/**
 * Settle what the ended call was. A hangup can overtake the `answered` before it: an unanswered
 * call's stragglers get a moment. Only an answer or a recording ends the wait early; any other
 * event (a late `initiated`) says nothing about whether the call was missed. Runs before the patch
 * ended on any event. Then a completed call waits for its recording.
 */
async function settle(run: CallRun, ended: StoredCall): Promise<StoredCall> {
  let res = ended;
  if (run.v2 && res.snap.status !== 'completed') {
    const settleOnPath = patched(CALL_SETTLE_OUTCOME_PATCH);
    run.pathEvent = false;
    if (await condition(() => (settleOnPath ? run.pathEvent : run.dirty), callTimeouts.unansweredSettle))
      res = await persist(run);
  }
  return awaitRecording(run, res);
}

/** A completed call's recording follows its hangup: wait for it (or its error) for a while. */
async function awaitRecording(run: CallRun, res: StoredCall): Promise<StoredCall> {
  if (res.snap.status === 'completed' && !res.snap.recording && !res.snap.recordingError) {
    await condition(
      () => snapshot(run.state).recording !== undefined || snapshot(run.state).recordingError !== undefined,
      callTimeouts.recordingAfterHangup,
    );
  }
  return run.dirty ? persist(run) : res;
}

/** Store the call as its events now say, and show it in the Temporal UI (masked). */
async function persist(run: CallRun): Promise<StoredCall & { maskedNumber: string }> {
  run.dirty = false;
  const s = snapshot(run.state);
  const res = await run.db.syncCallRecord({ snapshot: s });
  run.progress.status = s.status;
  upsertSearchAttributes([
    { key: searchAttributes.callStatus, value: s.status },
    { key: searchAttributes.callDirection, value: s.direction },
    ...(res.contactId ? [{ key: searchAttributes.contactId, value: res.contactId }] : []),
  ]);
  run.details = `${res.maskedNumber}, ${s.direction}, ${s.status}${s.durationSeconds ? `, ${formatDuration(s.durationSeconds)}` : ''}`;
  setCurrentDetails(run.details);
  return { snap: s, ...res };
}

/** The pipeline for the call as it is now: which stages run is call-plan.ts's decision. */
async function runPipeline(run: CallRun, call: StoredCall): Promise<void> {
  const stages = pipelineStages(run.db, call.phoneRecordId, run.progress);
  const plan = planStages(call.snap, { storedRecording: run.storedRecording, contactId: call.contactId });
  await stages.audio(call.snap, plan.audio);
  const named = await nameCallerMeanwhile(run, call);
  await stages.contact(
    named
      ? planStages(call.snap, { storedRecording: run.storedRecording, contactId: call.contactId }).rescore
      : plan.rescore,
  );
}

/**
 * The audio stages take seconds: an event that came meanwhile may name the caller. Store it before
 * the caller is scored and the owner told (the webhook and SMS are sent once), unless it changes
 * what the call was: that is the late pass's to re-plan. True when the caller became known.
 */
async function nameCallerMeanwhile(run: CallRun, call: StoredCall): Promise<boolean> {
  if (!run.dirty || call.contactId || pathOf(snapshot(run.state)) !== pathOf(call.snap)) return false;
  if (!patched(CALL_CALLER_BEFORE_NOTIFY_PATCH)) return false;
  const res = await persist(run);
  call.snap = res.snap;
  if (!res.contactId) return false;
  call.contactId = res.contactId;
  return true;
}

/**
 * Telnyx delivers out of order: an `answered` or a recording can still arrive after the pipeline
 * began. When late events change what the call was, the pipeline runs again for the call as it
 * turned out (every write is keyed by call and stage, so nothing is done twice).
 */
async function absorbLateEvents(run: CallRun, call: StoredCall): Promise<void> {
  while (run.dirty) {
    const res = await awaitRecording(run, await persist(run));
    if (pathOf(res.snap) === pathOf(call.snap)) {
      // Same call, but now with its caller known: score and notify for the contact (the stages
      // that read the audio have nothing new to do).
      if (res.contactId && res.contactId !== call.contactId && patched(CALL_LATE_CONTACT_PATCH)) {
        call.contactId = res.contactId;
        await pipelineStages(run.db, call.phoneRecordId, run.progress).contact(
          planStages(res.snap, { storedRecording: run.storedRecording, contactId: call.contactId }).rescore,
        );
      }
      continue;
    }
    call.snap = res.snap;
    call.contactId = res.contactId;
    await runPipeline(run, call);
  }
}

/**
 * Telnyx redelivers for minutes and in any order: stay open while a late event could still change
 * what the call was, and re-plan it when one does (the skipped stages run, the alerts for the path
 * not taken are withdrawn by notify). The run reads as finished meanwhile.
 */
async function stayOpenForStragglers(run: CallRun, call: StoredCall, closeAt: number): Promise<void> {
  finish(run);
  while (!isSettled(run.state) && Date.now() < closeAt) {
    if (!(await condition(() => run.dirty, closeAt - Date.now()))) break;
    await absorbLateEvents(run, call);
    finish(run);
  }
}

/** The run's end as the Temporal UI shows it: stage `finished`, its outcome and failed stages. */
function finish(run: CallRun) {
  const { progress } = run;
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
  const receptionist = progress.receptionist?.at(-1);
  setCurrentDetails(
    `${run.details}; outcome ${outcome}${failed.length ? ` (failed: ${failed.join(', ')})` : ''}${
      progress.ownerRing ? `; owner rung: ${progress.ownerRing}` : ''
    }${receptionist ? `; receptionist ${receptionist.replace(/^ended:/, '')}` : ''}`,
  );
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
      if (!plan.run) {
        // No recording, but the caller may have talked to the receptionist: what was said is the transcript.
        if (snap.status === 'completed' && patched(CALL_CONVERSATION_PATCH)) {
          // A conversation still under way stores its last turns when it ends: wait for that (bounded).
          const milestones = () => progress.receptionist ?? [];
          if (milestones().includes('started') && patched(CALL_RECEPTIONIST_END_PATCH))
            await condition(() => milestones().some((m) => m.startsWith('ended')), RECEPTIONIST_END_WAIT_MS);
          let turns = 0;
          const read = await stage('transcribe', async () => {
            turns = (await stt.conversationStage({ phoneRecordId })).turns;
          });
          if (read && turns > 0) {
            await skip(['record'], `${plan.why}; the live conversation is the transcript`);
            await stage('summarize', () => llm.summarizeStage({ phoneRecordId }));
            await stage('sentiment', () => llm.sentimentStage({ phoneRecordId }));
            await stage('embed', () => embed.embedStage({ phoneRecordId }));
            return;
          }
        }
        return skip([...AUDIO_STAGES], plan.why);
      }
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
