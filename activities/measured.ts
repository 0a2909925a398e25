/**
 * The pipeline's activities, measured: each attempt counted and timed by stage and provider into the
 * process's metrics (platform/metrics.ts), and vendor failures counted by kind. The stage labels are
 * the contract's stage list; the compiler requires an activity for every stage.
 */
import { STAGES, type StageName } from '../contract/stages.js';
import { stageDuration, stageRuns, vendorErrors } from '../platform/metrics.js';
import type { Providers } from './providers/index.js';

/** The activities that are pipeline stages, and the provider each one calls. */
const stageActivities: Record<StageName, { activity: string; provider: (p: Providers) => string }> = {
  record: { activity: 'recordStage', provider: (p) => p.telephony.name },
  transcribe: { activity: 'transcribeStage', provider: (p) => p.speech.name },
  summarize: { activity: 'summarizeStage', provider: (p) => p.language.name },
  sentiment: { activity: 'sentimentStage', provider: (p) => p.language.name },
  embed: { activity: 'embedStage', provider: (p) => p.embeddings.name },
  rescore: { activity: 'rescoreContact', provider: () => 'database' },
  notify: { activity: 'notifyStage', provider: () => 'notify' },
};
const stageOf = new Map(STAGES.map((stage) => [stageActivities[stage].activity, { stage, ...stageActivities[stage] }]));

/** A provider failure, as thrown by an adapter or already converted to Temporal's failure. */
function vendorFailure(err: unknown): { retryable: boolean } | undefined {
  const e = err as { name?: string; type?: string; retryable?: boolean; nonRetryable?: boolean };
  if (e?.name === 'ProviderError') return { retryable: Boolean(e.retryable) };
  if (typeof e?.type === 'string' && e.type.endsWith('ProviderError')) return { retryable: !e.nonRetryable };
  return undefined;
}

/** Wrap the pipeline's activities so each attempt is counted and timed (others pass through unchanged). */
export function measuredActivities<A extends object>(activities: A, providers: Providers): A {
  const out: Record<string, unknown> = { ...(activities as Record<string, unknown>) };
  for (const [name, fn] of Object.entries(activities)) {
    const spec = stageOf.get(name);
    if (!spec || typeof fn !== 'function') continue;
    const labels = { stage: spec.stage, provider: spec.provider(providers) };
    out[name] = async (...args: unknown[]) => {
      const end = stageDuration.startTimer(labels);
      try {
        const result = await (fn as (...a: unknown[]) => Promise<unknown>)(...args);
        stageRuns.inc({ ...labels, outcome: 'done' });
        return result;
      } catch (err) {
        const vendor = vendorFailure(err);
        const retryable = vendor ? vendor.retryable : !(err as { nonRetryable?: boolean }).nonRetryable;
        stageRuns.inc({ ...labels, outcome: retryable ? 'retry' : 'failed' });
        if (vendor) vendorErrors.inc({ provider: labels.provider, kind: vendor.retryable ? 'retryable' : 'fatal' });
        throw err;
      } finally {
        end();
      }
    };
  }
  return out as A;
}
