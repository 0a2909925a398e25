/** `npm run worker`: a production worker (several may run against one Temporal and one database). */
import { existsSync } from 'node:fs';
import { NativeConnection, Runtime, DefaultLogger } from '@temporalio/worker';
import { createLogger, loadConfigOrExit, secretValues, temporalConnectionOptions } from '../config.js';
import { openDatabase } from '../db/client.js';
import { createProviders } from '../activities/providers/index.js';
import { bundleIsFresh, createWorker, defaultBundlePath } from './worker.js';

const config = loadConfigOrExit('worker');
const log = createLogger(config, secretValues(config));
Runtime.install({ logger: new DefaultLogger('WARN') });
const fresh = existsSync(defaultBundlePath) && (await bundleIsFresh(defaultBundlePath));
const bundlePath = config.temporal.workflowBundlePath ?? (fresh ? defaultBundlePath : undefined);
if (!bundlePath) {
  log.warn(existsSync(defaultBundlePath) ? 'the prebuilt workflow bundle is older than the workflow sources (run `npm run build`); bundling from sources' : 'no prebuilt workflow bundle (run `npm run build`); bundling from sources');
}
const database = await openDatabase({ url: config.database.url, poolSize: config.database.poolSize });
const connection = await NativeConnection.connect(temporalConnectionOptions(config));
const worker = await createWorker({
  connection,
  namespace: config.temporal.namespace,
  taskQueue: config.temporal.taskQueue,
  bundlePath,
  db: database.db,
  providers: createProviders(config),
  config,
});
log.info('worker running', { taskQueue: config.temporal.taskQueue, namespace: config.temporal.namespace });
// The Runtime drains the worker on SIGINT/SIGTERM; run() resolves once it has.
await worker.run();
await connection.close();
await database.close();
log.info('worker stopped');
