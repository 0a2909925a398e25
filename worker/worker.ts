/** Builds the Temporal worker: from a prebuilt workflow bundle when given (production), else from the sources. */
import path from 'node:path';
import type { PayloadCodec } from '@temporalio/common';
import { NativeConnection, Worker } from '@temporalio/worker';
import { dataConverterFor, derivedKey, EncryptionCodec } from './codec.js';
import { executionEraser } from './executions.js';
import { createActivities, type ActivityDeps } from '../activities/index.js';
import type { Config } from '../config.js';

const projectRoot = path.resolve(import.meta.dirname, '..');
export const defaultBundlePath = path.join(projectRoot, 'dist', 'workflow-bundle.js');
export const workflowsPath = path.join(projectRoot, 'workflows', 'index.ts');

export interface WorkerOptions extends Omit<ActivityDeps, 'config'> {
  config: ActivityDeps['config'] & { temporal: Pick<Config['temporal'], 'maxConcurrentActivities'> };
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  bundlePath?: string;
  /** Override activities (tests inject failures); defaults to the real ones. */
  activities?: object;
  identity?: string;
  /** The payload codec (history encryption); the same one the clients use. */
  codec?: PayloadCodec;
}

/** Create (not run) a worker for the project's workflows and activities. */
export async function createWorker(o: WorkerOptions): Promise<Worker> {
  const bundle = o.bundlePath;
  return Worker.create({
    connection: o.connection,
    namespace: o.namespace,
    taskQueue: o.taskQueue,
    ...(o.identity ? { identity: o.identity } : {}),
    ...(bundle ? { workflowBundle: { codePath: bundle } } : { workflowsPath }),
    activities:
      o.activities ??
      createActivities({
        ...o,
        executions: executionEraser(o.connection, o.namespace),
        mediaKey: o.codec instanceof EncryptionCodec ? derivedKey(o.codec.keys, 'greeting-names') : undefined,
      }),
    dataConverter: dataConverterFor(o.codec),
    // Let in-flight vendor calls finish on Ctrl-C / SIGTERM instead of cancelling them.
    shutdownGraceTime: '30s',
    // With a free slot, the server hands a workflow's next activity back in the workflow task's
    // completion (eager dispatch): no task-queue round trip. A full worker falls back to polling,
    // which costs the server three more requests per activity.
    maxConcurrentActivityTaskExecutions: o.config.temporal.maxConcurrentActivities,
  });
}

/** Whether a prebuilt bundle is newer than every workflow source (a stale one would run old code). */
export async function bundleIsFresh(bundle: string): Promise<boolean> {
  const { readdir, stat } = await import('node:fs/promises');
  const built = (await stat(bundle)).mtimeMs;
  const dir = path.dirname(workflowsPath);
  const sources = [
    path.join(projectRoot, 'temporal.config.ts'),
    ...(await readdir(dir)).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts')).map((f) => path.join(dir, f)),
  ];
  for (const file of sources) if ((await stat(file)).mtimeMs > built) return false;
  return true;
}
