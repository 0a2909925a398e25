/** `npm run api`: the production API process (PostgreSQL + external Temporal, keys from the environment). */
import { serve } from '@hono/node-server';
import { Client, Connection } from '@temporalio/client';
import { loadConfigOrExit, secretValues } from '../config.js';
import { openDatabase } from '../db/client.js';
import { createApp, hardenServer } from './app.js';
import { apiDeps } from './compose.js';
import { dataConverterFor, EncryptionCodec, parseCodecKeys } from '../temporal/codec.js';
import { createWorkflowGateway } from '../temporal/gateway.js';
import { publicKeyFromBase64 } from './webhooks/telnyx/verify.js';
import { createLogger } from '../platform/logger.js';
import { temporalConnectionOptions } from '../temporal/connection.js';

// Recordings, transcripts' work files and keys are private: nothing this process creates is readable by others.
process.umask(0o077);
const config = loadConfigOrExit('api');
const log = createLogger(config, secretValues(config), { service: 'api' });
const database = await openDatabase({ url: config.database.url, poolSize: config.database.poolSize });
const connection = await Connection.connect(temporalConnectionOptions(config));
const codec = new EncryptionCodec(parseCodecKeys(config.temporal.codecKeys!), {
  allowPlaintext: config.temporal.codecAllowPlaintext,
});
const gateway = createWorkflowGateway(
  new Client({ connection, namespace: config.temporal.namespace, dataConverter: dataConverterFor(codec) }),
  config.temporal.taskQueue,
  config.calls,
);
await gateway.ensureRetentionSchedule();
const deps = apiDeps(
  config,
  { database, gateway, log, telnyxPublicKey: publicKeyFromBase64(config.telnyx.publicKey!) },
  {
    accessLogLevel: 'info',
    // The remote codec for your Temporal UI (token required; set the UI's codec endpoint to PUBLIC_BASE_URL/codec).
    codec,
  },
);
const app = createApp(deps);
// Hands the webhook inbox to Temporal, starting with what an earlier process left.
deps.relay.start();
const server = serve({ fetch: app.fetch, port: config.http.port, hostname: config.http.host }, (info) =>
  log.info('api listening', { port: info.port }),
);
hardenServer(server as unknown as Parameters<typeof hardenServer>[0]);
// One Ctrl-C can arrive more than once (npm relays it): stop once.
let stopping = false;
const stop = () => {
  if (stopping) return;
  stopping = true;
  server.close(async () => {
    await deps.relay.stop();
    await connection.close();
    await database.close();
    log.info('api stopped');
    process.exit(0);
  });
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
