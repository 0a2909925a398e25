/** The pipeline's vocabulary as the dashboard shows it. */
import type { Schemas } from './api/client';

export const STAGES = ['record', 'transcribe', 'summarize', 'sentiment', 'embed', 'rescore', 'notify'] as const;

/** The stage a call is in now, or undefined when its pipeline has settled. */
export function currentStage(c: Pick<Schemas['PhoneRecordSummary'], 'status' | 'stageStatus'>): string | undefined {
  if (['initiated', 'ringing', 'answered'].includes(c.status))
    return c.status === 'answered' ? 'on the call' : 'ringing';
  const running = STAGES.find((s) => c.stageStatus[s]?.status === 'running');
  if (running) return running;
  const started = STAGES.some((s) => c.stageStatus[s]);
  return started && !c.stageStatus.notify ? 'processing' : undefined;
}
