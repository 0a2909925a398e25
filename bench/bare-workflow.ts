/** The pipeline benchmark's baseline: a workflow of the call pipeline's shape, nine no-op activities in sequence. */
import { proxyActivities } from '@temporalio/workflow';

const { noop } = proxyActivities<{ noop(step: number): Promise<number> }>({ startToCloseTimeout: '1 minute' });

export async function bareCallShapeWorkflow(): Promise<number> {
  let sum = 0;
  for (let step = 0; step < 9; step++) sum += await noop(step);
  return sum;
}
