/** `npm run worker`: a production worker (several may run against one Temporal and one database). */
import { existsSync } from 'node:fs';
import { NativeConnection, Runtime, DefaultLogger } from '@temporalio/worker';
import { loadConfigOrExit, secretValues } from '../config.js';
import { openConfiguredDatabase } from '../db/client.js';
import { ensureSpeechEngine } from '../activities/providers/speech/engine-install.js';
import { EncryptionCodec, parseCodecKeys } from '../temporal/codec.js';
import { serveWorkerMetrics } from './metrics-server.js';
import { buildWorker, bundleIsFresh, defaultBundlePath } from './worker.js';
import { createLogger, temporalLogFunction } from '../platform/logger.js';
import { temporalConnectionOptions } from '../temporal/connection.js';
import { freePort } from '../platform/ports.js';
import { tokenMatcher } from '../platform/tokens.js';

// Recordings, transcripts' work files and keys are private: nothing this process creates is readable by others.
process.umask(0o077);
const config = loadConfigOrExit('worker');
const log = createLogger(config, secretValues(config), { service: 'worker' });
// The SDK's own worker metrics (task slots, poll latency, schedule-to-start) on a loopback port,
// served with ours on METRICS_PORT.
const sdkMetricsPort = await freePort(); // loopback, for the SDK's own exporter
Runtime.install({
  logger: new DefaultLogger('WARN', temporalLogFunction(log)),
  telemetryOptions: {
    metrics: { prometheus: { bindAddress: `127.0.0.1:${sdkMetricsPort}`, useSecondsForDurations: true } },
  },
});
const fresh = existsSync(defaultBundlePath) && (await bundleIsFresh(defaultBundlePath));
const bundlePath = config.temporal.workflowBundlePath ?? (fresh ? defaultBundlePath : undefined);
if (!bundlePath) {
  log.warn(
    existsSync(defaultBundlePath)
      ? 'the prebuilt workflow bundle is older than the workflow sources (run `npm run build`); bundling from sources'
      : 'no prebuilt workflow bundle (run `npm run build`); bundling from sources',
  );
}
if (!config.deepgram.apiKey) {
  // The local speech engine: installed into .tools on first start (one clear sentence if it cannot be).
  try {
    await ensureSpeechEngine((line) => log.info(line));
  } catch (err) {
    log.error((err as Error).message);
    process.exit(1);
  }
}
const database = await openConfiguredDatabase(config);
const connection = await NativeConnection.connect(temporalConnectionOptions(config));
const { worker, providers } = await buildWorker(config, {
  codec: new EncryptionCodec(parseCodecKeys(config.temporal.codecKeys!), {
    allowPlaintext: config.temporal.codecAllowPlaintext,
  }),
  connection,
  bundlePath,
  db: database.db,
});
const metricsServer = await serveWorkerMetrics({
  host: config.metrics.host,
  port: config.metrics.port,
  authorized: tokenMatcher(config.apiTokens),
  sdkMetricsUrl: `http://127.0.0.1:${sdkMetricsPort}/metrics`,
}).catch((err: NodeJS.ErrnoException) => {
  log.error(
    err.code === 'EADDRINUSE'
      ? `METRICS_PORT ${config.metrics.port} is in use (another worker on this machine?): set METRICS_PORT to a free port`
      : `metrics could not be served: ${err.message}`,
  );
  process.exit(1);
});
log.info('worker running', { taskQueue: config.temporal.taskQueue, namespace: config.temporal.namespace });
// The Runtime starts draining on the first SIGINT/SIGTERM and then stops listening, so a second
// one (a terminal's Ctrl-C reaches npm and this process, and npm relays it again) would kill
// the process mid-drain. Repeats within a second are the same signal; a later one forces.
let firstSignalAt = 0;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (firstSignalAt === 0) firstSignalAt = Date.now();
    else if (Date.now() - firstSignalAt > 1000) {
      log.warn('second signal: stopping now; unfinished activities are retried by another worker');
      process.exit(130);
    }
  });
}
// The Runtime drains the worker on SIGINT/SIGTERM; run() resolves once it has.
await worker.run();
metricsServer.close();
await providers.speech.close?.();
await connection.close();
await database.close();
log.info('worker stopped');
