/** Which stages a call runs, from what the call turned out to be. */
import { describe, expect, it } from 'vitest';
import { afterAudioFailure, planStages } from './call-plan.js';

const recording = { url: 'https://example.telnyx.com/r.mp3', format: 'mp3' as const, channels: 2 };
const contactId = '3f1c2b9e-8d7a-4c1e-9f00-1a2b3c4d5e6f';

describe('planStages', () => {
  it('an answered call with a recording runs every audio stage, recording first', () => {
    expect(planStages({ status: 'completed', recording }, { storedRecording: false, contactId })).toEqual({
      audio: { run: true, record: true },
      rescore: { run: true, contactId },
    });
  });

  it('a reprocessed call with its recording already stored does not copy it again', () => {
    expect(planStages({ status: 'completed' }, { storedRecording: true, contactId: null }).audio).toEqual({
      run: true,
      record: false,
    });
  });

  it('skips the audio stages, saying why, when there is no audio', () => {
    for (const status of ['missed', 'rejected', 'busy', 'failed'] as const) {
      expect(planStages({ status, recording }, { storedRecording: false, contactId }).audio).toEqual({
        run: false,
        why: `call ${status}`,
      });
    }
    expect(planStages({ status: 'completed' }, { storedRecording: false, contactId }).audio).toEqual({
      run: false,
      why: 'no recording arrived',
    });
    expect(
      planStages(
        { status: 'completed', recordingError: 'recording failed: call too short' },
        { storedRecording: false, contactId },
      ).audio,
    ).toEqual({
      run: false,
      why: 'recording failed: call too short',
    });
  });

  it('rescores only a contact, missed or answered', () => {
    expect(planStages({ status: 'missed' }, { storedRecording: false, contactId }).rescore).toEqual({
      run: true,
      contactId,
    });
    expect(planStages({ status: 'completed', recording }, { storedRecording: false, contactId: null }).rescore).toEqual(
      { run: false, why: 'unknown caller' },
    );
  });

  it('names what stopped the stages after the recording', () => {
    expect(afterAudioFailure(false)).toBe('recording not stored');
    expect(afterAudioFailure(true)).toBe('transcription failed');
  });
});
