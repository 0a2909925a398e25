/**
 * Voice activity and end of turn on the caller's 8 kHz µ-law audio, 20 ms at a time: a frame is
 * speech when its energy stands clear of the line's noise floor (tracked as it goes); a turn starts
 * after a few speech frames, is confirmed after `confirmMs` of speech (what barge-in waits for, so a
 * cough does not cut the receptionist off), and ends after `silenceMs` without speech. The cut
 * utterance keeps a little audio before its start. Whisper's own Silero VAD trims it again before
 * decoding. Pure: the caller passes each frame and its arrival time.
 */
import { muLawDecode } from '../../platform/audio.js';

export interface EndpointerOptions {
  /** Silence that ends a turn. */
  silenceMs: number;
  /** Speech needed before a turn counts (barge-in). */
  confirmMs?: number;
  /** Longest turn; cut there. */
  maxTurnMs?: number;
}

export type EndpointEvent =
  { type: 'start' } | { type: 'confirmed' } | { type: 'end'; audio: Buffer; lastSpeechAt: number; speechMs: number };

const FRAME_MS = 20;
const START_FRAMES = 3;
const PREROLL_FRAMES = 15;

/** Frame energy in dBFS. */
export function frameLevel(frame: Buffer): number {
  let sum = 0;
  for (let i = 0; i < frame.length; i++) {
    const s = muLawDecode(frame[i]!);
    sum += s * s;
  }
  const rms = Math.sqrt(sum / Math.max(1, frame.length));
  return rms <= 1 ? -100 : 20 * Math.log10(rms / 32768);
}

export function createEndpointer(o: EndpointerOptions) {
  const confirmMs = o.confirmMs ?? 300;
  const maxTurnMs = o.maxTurnMs ?? 15_000;
  let noise = -60;
  let inTurn = false;
  let confirmed = false;
  let voicedRun = 0;
  let speechMs = 0;
  let silentMs = 0;
  let turnMs = 0;
  let lastSpeechAt = 0;
  let preroll: Buffer[] = [];
  let turn: Buffer[] = [];

  const isSpeech = (level: number) => level > Math.max(noise + 12, -50);

  return {
    /** One 20 ms frame (160 bytes) received at `now` (ms). */
    push(frame: Buffer, now: number): EndpointEvent[] {
      const level = frameLevel(frame);
      const speech = isSpeech(level);
      // The noise floor follows quiet frames quickly and loud ones slowly.
      if (!speech) noise = level < noise ? level * 0.3 + noise * 0.7 : level * 0.02 + noise * 0.98;
      const events: EndpointEvent[] = [];
      if (!inTurn) {
        preroll.push(frame);
        if (preroll.length > PREROLL_FRAMES) preroll.shift();
        voicedRun = speech ? voicedRun + 1 : 0;
        if (voicedRun >= START_FRAMES) {
          inTurn = true;
          confirmed = false;
          turn = [...preroll];
          preroll = [];
          speechMs = voicedRun * FRAME_MS;
          silentMs = 0;
          turnMs = speechMs;
          lastSpeechAt = now;
          events.push({ type: 'start' });
        }
        return events;
      }
      turn.push(frame);
      turnMs += FRAME_MS;
      if (speech) {
        speechMs += FRAME_MS;
        silentMs = 0;
        lastSpeechAt = now;
      } else silentMs += FRAME_MS;
      if (!confirmed && speechMs >= confirmMs) {
        confirmed = true;
        events.push({ type: 'confirmed' });
      }
      if (silentMs >= o.silenceMs || turnMs >= maxTurnMs) {
        // Keep 200 ms of the trailing silence: Whisper ends words better with a little of it.
        const keep = turn.length - Math.max(0, silentMs / FRAME_MS - 10);
        events.push({ type: 'end', audio: Buffer.concat(turn.slice(0, keep)), lastSpeechAt, speechMs });
        inTurn = false;
        voicedRun = 0;
        turn = [];
      }
      return events;
    },
    speaking: () => inTurn,
    /** When the caller last spoke (the arrival time of the last speech frame). */
    lastSpeech: () => lastSpeechAt,
  };
}
