/**
 * The call pipeline's stages, in the order they run: the one list from which the stage type, the
 * API's enum (and so the dashboard's generated types), the dashboard's display order, the
 * telemetry labels and the benchmarks' expectations derive. Adding a stage starts here.
 */
export const STAGES = ['record', 'transcribe', 'summarize', 'sentiment', 'embed', 'rescore', 'notify'] as const;
export type StageName = (typeof STAGES)[number];

/** The stages that need the call's audio: they all run, or are all skipped together. */
export const AUDIO_STAGES = [
  'record',
  'transcribe',
  'summarize',
  'sentiment',
  'embed',
] as const satisfies readonly StageName[];

/** What a stage's status can be (`phone_records.stage_status`). */
export const STAGE_STATES = ['pending', 'running', 'done', 'failed', 'skipped'] as const;
export type StageState = (typeof STAGE_STATES)[number];

/** The call statuses a phone record can have. */
export const CALL_STATUSES = [
  'initiated',
  'ringing',
  'answered',
  'completed',
  'missed',
  'rejected',
  'busy',
  'failed',
  'unknown',
] as const;
export type CallStatus = (typeof CALL_STATUSES)[number];
