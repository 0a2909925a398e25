/** The pipeline's vocabulary as the dashboard shows it. */
import type { Schemas } from './api/client';

import { STAGES } from '../../contract/stages';

export { STAGES };

/** The stage a call is in now, or undefined when its pipeline has settled. */
export function currentStage(
  c: Pick<Schemas['PhoneRecordSummary'], 'status' | 'stageStatus' | 'createdAt'>,
): string | undefined {
  if (['initiated', 'ringing', 'answered'].includes(c.status))
    return c.status === 'answered' ? 'on the call' : 'ringing';
  const running = STAGES.find((s) => c.stageStatus[s]?.status === 'running');
  if (running) return running;
  const started = STAGES.some((s) => c.stageStatus[s]);
  if (started) return c.stageStatus.notify ? undefined : 'processing';
  // Just ended, its pipeline not begun yet (a call older than that without stages never had one).
  return Date.now() - new Date(c.createdAt).getTime() < PIPELINE_START_MS ? 'waiting' : undefined;
}

const PIPELINE_START_MS = 10 * 60_000;
