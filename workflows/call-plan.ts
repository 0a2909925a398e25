/**
 * Which of a call's stages run, and why the others are skipped: a pure function of what the call
 * turned out to be. The workflow (call.ts) carries it out; the runtime outcomes (a recording that
 * could not be stored, a transcription that failed) then skip the stages that need them.
 */
import type { CallSnapshot } from '../contract/index.js';

export interface StagePlan {
  /** Run the audio stages (`record` only when the recording is not stored yet), or skip them all. */
  audio: { run: true; record: boolean } | { run: false; why: string };
  /** Rescore the caller's relationship, or skip it. */
  rescore: { run: true; contactId: string } | { run: false; why: string };
}

export function planStages(
  snap: Pick<CallSnapshot, 'status' | 'recording' | 'recordingError'>,
  o: { storedRecording: boolean; contactId: string | null },
): StagePlan {
  const hasAudio = snap.status === 'completed' && (snap.recording !== undefined || o.storedRecording);
  const audio: StagePlan['audio'] = hasAudio
    ? { run: true, record: !o.storedRecording }
    : {
        run: false,
        why: snap.status === 'completed' ? (snap.recordingError ?? 'no recording arrived') : `call ${snap.status}`,
      };
  const rescore: StagePlan['rescore'] = o.contactId
    ? { run: true, contactId: o.contactId }
    : { run: false, why: 'unknown caller' };
  return { audio, rescore };
}

/** Why the stages after the recording are skipped when they cannot run. */
export const afterAudioFailure = (stored: boolean) => (stored ? 'transcription failed' : 'recording not stored');
