/**
 * The pipeline benchmark's baselines: workflows with the call workflow's shape and nothing else.
 * Their activities are no-ops; only Temporal's own work remains.
 */
import {
  condition,
  defineSignal,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import { searchAttributes } from '../temporal.config.js';

type Noop = { noop(step: number): Promise<number> };
const { noop } = proxyActivities<Noop>({ startToCloseTimeout: '1 minute' });
const local = proxyLocalActivities<Noop>({ startToCloseTimeout: '1 minute' });

export const bareEventSignal = defineSignal<[unknown]>('callEvent');

/** Nine no-op activities in sequence (the baseline of earlier runs). */
export async function bareCallShapeWorkflow(): Promise<number> {
  let sum = 0;
  for (let step = 0; step < 9; step++) sum += await noop(step);
  return sum;
}

/** Timeouts of one ordinary activity, as the call workflow scheduled it (milliseconds). */
export interface ActivityTimeouts {
  startToCloseMs?: number;
  heartbeatMs?: number;
}

/**
 * The call workflow's measured shape: wait for its `signals` events, then as many local and
 * ordinary no-op activities as a real call ran (each ordinary one with the timeouts the call
 * workflow gave it, when `timeouts` is given: a heartbeat timeout is work for the server), with its
 * search-attribute upserts (one before each ordinary activity, the rest at the end) when `upserts`
 * is given.
 */
export async function sameShapeWorkflow(shape: {
  signals: number;
  local: number;
  regular: number;
  upserts: number;
  timeouts?: ActivityTimeouts[];
}): Promise<number> {
  let seen = 0;
  setHandler(bareEventSignal, () => void seen++);
  await condition(() => seen >= shape.signals);
  let sum = 0;
  let upserts = shape.upserts;
  const upsert = (value: string) => {
    if (upserts-- > 0) upsertSearchAttributes([{ key: searchAttributes.callStage, value }]);
  };
  for (let step = 0; step < shape.local; step++) sum += await local.noop(step);
  for (let step = 0; step < shape.regular; step++) {
    upsert(`step-${step}`);
    const t = shape.timeouts?.[step];
    const act = t
      ? proxyActivities<Noop>({
          startToCloseTimeout: t.startToCloseMs ?? '1 minute',
          ...(t.heartbeatMs ? { heartbeatTimeout: t.heartbeatMs } : {}),
        })
      : { noop };
    sum += await act.noop(step);
  }
  while (upserts > 0) upsert('finished');
  return sum;
}
