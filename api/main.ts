/** `npm run api`: the production API process (PostgreSQL + external Temporal, keys from the environment). */
import { loadConfigOrExit, secretValues } from '../config.js';
import { openConfiguredDatabase } from '../db/client.js';
import { createApp, listenApp } from './app.js';
import { apiDeps } from './compose.js';
import { apiTemporal } from './temporal-gateway.js';
import { publicKeyFromBase64 } from './webhooks/telnyx/verify.js';
import { errorKind } from './webhooks/telnyx/relay.js';
import { createLogger } from '../platform/logger.js';
import { startRelayThread } from './webhooks/telnyx/relay-thread.js';

// Recordings, transcripts' work files and keys are private: nothing this process creates is readable by others.
process.umask(0o077);
const config = loadConfigOrExit('api');
const log = createLogger(config, secretValues(config), { service: 'api' });
const database = await openConfiguredDatabase(config);
// Lazy: Temporal may be away when the API starts (an outage, a restart, a start order). Webhooks go
// to the inbox meanwhile and /ready says degraded; the relay and the schedule below wait for it.
const { connection, codec, gateway } = apiTemporal(config);
let scheduleRetry: NodeJS.Timeout | undefined;
const ensureSchedule = async (attempt: number): Promise<void> => {
  try {
    if ((await gateway.ensureRetentionSchedule()) === 'created') log.info('retention schedule created');
  } catch (err) {
    if (attempt === 0) log.warn('temporal not answering yet: retention schedule pending', { error: errorKind(err) });
    scheduleRetry = setTimeout(() => void ensureSchedule(attempt + 1), Math.min(30_000, 1_000 * 2 ** attempt));
  }
};
void ensureSchedule(0);
// The inbox relay on a thread of its own, at a lower CPU priority: delivering to Temporal never
// holds up the event loop that answers webhooks (see relay-thread.ts).
const relay = startRelayThread({ db: database.db, log, config });
const deps = apiDeps(
  config,
  { database, gateway, log, telnyxPublicKey: publicKeyFromBase64(config.telnyx.publicKey!) },
  {
    relay,
    accessLogLevel: 'info',
    // The remote codec for your Temporal UI (token required; set the UI's codec endpoint to PUBLIC_BASE_URL/codec).
    codec,
  },
);
const app = createApp(deps);
// Hands the webhook inbox to Temporal, starting with what an earlier process left.
relay.start();
const server = listenApp(app.fetch, { port: config.http.port, hostname: config.http.host }, (port) =>
  log.info('api listening', { port }),
);
// The receptionist's media streams share the port; its engines load now, not on the first call.
deps.voice?.attach(server);
void deps.voice?.warm().catch((err: Error) => log.error('receptionist engines did not start', { error: err.message }));
// One Ctrl-C can arrive more than once (npm relays it): stop once.
let stopping = false;
const stop = () => {
  if (stopping) return;
  stopping = true;
  clearTimeout(scheduleRetry);
  // Live conversations first (their sockets would hold the server open; Telnyx falls back to voicemail).
  void (deps.voice?.close() ?? Promise.resolve()).then(() =>
    server.close(async () => {
      await deps.relay.stop();
      await connection.close();
      await database.close();
      log.info('api stopped');
      process.exit(0);
    }),
  );
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
