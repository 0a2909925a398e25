/** Builds the Temporal worker: from a prebuilt workflow bundle when given (production), else from the sources. */
import path from 'node:path';
import type { PayloadCodec } from '@temporalio/common';
import { NativeConnection, Worker } from '@temporalio/worker';
import { dataConverterFor, derivedKey, EncryptionCodec } from '../temporal/codec.js';
import { executionEraser } from './executions.js';
import { createActivities, type Activities, type ActivityDeps } from '../activities/index.js';
import { createProviders, type Providers } from '../activities/providers/index.js';
import type { Config } from '../config.js';
import { measuredActivities } from '../activities/measured.js';
import { withSafeErrors } from '../activities/safe-errors.js';

const projectRoot = path.resolve(import.meta.dirname, '..');
export const defaultBundlePath = path.join(projectRoot, 'dist', 'workflow-bundle.js');
export const workflowsPath = path.join(projectRoot, 'workflows', 'index.ts');

export interface WorkerParts {
  connection: NativeConnection;
  db: ActivityDeps['db'];
  /** The payload codec (history encryption); the same one the clients use. */
  codec?: PayloadCodec;
  /** A prebuilt workflow bundle (production); the workflow sources otherwise. */
  bundlePath?: string;
  /** The engines when the caller already has them; built from config otherwise. */
  providers?: Providers;
  /** Wraps the real activities (tests inject failures, benchmarks measure). */
  activities?: (real: Activities) => object;
  identity?: string;
}

/**
 * The worker's composition root: the one place a worker is built from Config, used by `npm run
 * worker`, `npm start`, the tests and the benchmarks. Creates (does not run) the worker.
 */
export async function buildWorker(
  config: Config,
  parts: WorkerParts,
): Promise<{ worker: Worker; providers: Providers }> {
  const providers = parts.providers ?? createProviders(config);
  const namespace = config.temporal.namespace;
  const real = createActivities({
    db: parts.db,
    providers,
    config,
    executions: executionEraser(parts.connection, namespace),
    mediaKey: parts.codec instanceof EncryptionCodec ? derivedKey(parts.codec.keys, 'greeting-names') : undefined,
  });
  const worker = await Worker.create({
    connection: parts.connection,
    namespace,
    taskQueue: config.temporal.taskQueue,
    ...(parts.identity ? { identity: parts.identity } : {}),
    ...(parts.bundlePath ? { workflowBundle: { codePath: parts.bundlePath } } : { workflowsPath }),
    // Database errors carry their statements' parameters: made safe before Temporal keeps or logs them.
    activities: parts.activities
      ? parts.activities(measuredActivities(withSafeErrors(real), providers))
      : measuredActivities(withSafeErrors(real), providers),
    dataConverter: dataConverterFor(parts.codec),
    // Let in-flight vendor calls finish on Ctrl-C / SIGTERM instead of cancelling them.
    shutdownGraceTime: '30s',
    // With a free slot, the server hands a workflow's next activity back in the workflow task's
    // completion (eager dispatch): no task-queue round trip. A full worker falls back to polling,
    // which costs the server three more requests per activity.
    maxConcurrentActivityTaskExecutions: config.temporal.maxConcurrentActivities,
  });
  return { worker, providers };
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
