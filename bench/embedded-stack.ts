/**
 * The embedded default, assembled in-process for benchmarks: the Temporal CLI dev server (SQLite
 * file), PGlite with pgvector in a data folder, the worker and the HTTP app on a real port.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { loadConfig } from '../config.js';
import type { Activities } from '../activities/index.js';
import { publicKeyFromBase64 } from '../api/webhooks/telnyx/verify.js';
import { openDatabase } from '../db/client.js';
import { devKeys } from '../deploy/dev-secrets.js';
import { startDevServer } from '../deploy/dev-server.js';
import { locateTemporalCli } from '../deploy/temporal-cli.js';
import { say } from './lib.js';
import { startStack } from '../deploy/stack.js';
import { silentLog } from '../platform/logger.js';
import { freePort } from '../platform/ports.js';

export async function startEmbeddedStack(env: Record<string, string> = {}, activities?: (real: Activities) => object) {
  Runtime.install({ logger: new DefaultLogger('ERROR'), shutdownSignals: [] });
  const dir = await mkdtemp(path.join(tmpdir(), 'cc-bench-'));
  const cli = await locateTemporalCli(process.env.TEMPORAL_CLI_PATH, say);
  const keys = devKeys();
  const config = loadConfig('test', {
    DATA_DIR: dir,
    API_TOKENS: 'bench',
    TEMPORAL_TASK_QUEUE: `bench-${randomUUID()}`,
    // The benchmarks time calls to their end: runs close as soon as their pipeline is done.
    CALL_STRAGGLER_WINDOW_SECONDS: '0',
    ...env,
  });
  // As `npm start` runs it: a session of its own, at the dev server's priority.
  const temporal = await startDevServer({
    cliPath: cli,
    port: await freePort(),
    namespace: 'default',
    headless: true,
    dbFile: path.join(dir, 'temporal.db'),
    pidFile: path.join(dir, 'temporal.pid'),
    niceness: config.temporal.devNiceness,
  });
  const database = await openDatabase({ pgliteDir: path.join(dir, 'pglite') });
  const port = await freePort();
  const stack = await startStack(config, {
    database,
    log: silentLog,
    telnyxPublicKey: publicKeyFromBase64(keys.publicKeyBase64),
    temporalAddress: temporal.address,
    activities,
    listen: { port, hostname: '127.0.0.1' },
    app: { publicBaseUrl: 'http://localhost', ownerName: 'Bench' },
  });
  const { client } = stack;
  return {
    url: `http://127.0.0.1:${port}`,
    temporalAddress: temporal.address,
    temporalPid: temporal.pid,
    keys,
    client,
    config,
    database,
    async stop() {
      await stack.stop();
      await temporal.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
