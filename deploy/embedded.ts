/**
 * `npm start`: the whole product in one process on its embedded defaults: Temporal dev server
 * (SQLite in the data folder, UI on 8233), PGlite with pgvector, the API and the worker.
 */
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, rm, writeFile } from 'node:fs/promises';
import { Runtime, DefaultLogger } from '@temporalio/worker';
import path from 'node:path';
import { isEmbedded, loadConfigOrExit, secretValues } from '../config.js';
import { openDatabase } from '../db/client.js';
import { createSessions } from '../api/session.js';
import { ensureDashboardBuilt } from './build-dashboard.js';
import { createTestCalls } from './test-call.js';
import { publicKeyFromBase64 } from '../api/webhooks/telnyx/verify.js';
import { superviseDevServer, type DevServer } from './dev-server.js';
import { startStack } from './stack.js';
import { locateTemporalCli } from './temporal-cli.js';
import { ensureSpeechEngine } from '../activities/providers/speech/engine-install.js';
import { devTelnyxKeyPair, embeddedApiToken, embeddedCodecKeys } from './dev-secrets.js';
import { EncryptionCodec, parseCodecKeys } from '../temporal/codec.js';
import { createLogger, temporalLogFunction } from '../platform/logger.js';
import { assertPortFree, PortInUseError } from '../platform/ports.js';

const say = (line: string) => console.log(`[command-center] ${line}`);
/** How long the embedded Temporal keeps a finished workflow's history. */
const EMBEDDED_HISTORY_RETENTION_DAYS = 7;

async function main() {
  const started = Date.now();
  // Everything this process creates (database files, recordings, keys) is for the owner only.
  process.umask(0o077);
  const config = loadConfigOrExit('embedded');
  await assertWritable(config.dataDir);
  const embedded = isEmbedded(config);
  const token = config.apiTokens.length ? undefined : await embeddedApiToken(config.dataDir);
  const apiTokens = token ? [token.value] : config.apiTokens;
  const devKey = config.telnyx.publicKey ? undefined : await devTelnyxKeyPair(config.dataDir);
  const telnyxKey = config.telnyx.publicKey ?? devKey!.publicKeyBase64;
  // Workflow history is encrypted; the key is generated once into the data folder unless given.
  const codecKeys = config.temporal.codecKeys ?? (await embeddedCodecKeys(config.dataDir)).value;
  const codec = new EncryptionCodec(parseCodecKeys(codecKeys), { allowPlaintext: config.temporal.codecAllowPlaintext });
  const log = createLogger(config, [
    ...secretValues(config),
    ...apiTokens,
    codecKeys,
    ...codec.keys.map((k) => k.key.toString('base64')),
  ]);
  Runtime.install({ logger: new DefaultLogger('WARN', temporalLogFunction(log)), shutdownSignals: [] });

  await assertPortFree(config.http.port, 'API', config.http.host === '0.0.0.0' ? '0.0.0.0' : config.http.host);
  let devServer: DevServer | undefined;
  // The speech engine installs (first start only) while the dev server starts.
  const speechEngine = config.deepgram.apiKey ? Promise.resolve(undefined) : ensureSpeechEngine(say);
  speechEngine.catch(() => undefined);
  // The dashboard is rebuilt (in a child process) when its sources are newer than its build.
  const dashboard = ensureDashboardBuilt(say);
  dashboard.catch(() => undefined);
  // The Temporal UI decodes through a path only it is given (made at each start).
  const uiCodecSecret = config.temporal.uiCodecSecret ?? randomBytes(24).toString('hex');
  if (embedded.temporal) {
    const cli = await locateTemporalCli(config.temporal.cliPath, say);
    say('starting the Temporal dev server ...');
    devServer = await superviseDevServer(
      {
        cliPath: cli,
        port: config.temporal.devPort,
        uiPort: config.temporal.uiPort,
        dbFile: path.join(config.dataDir, 'temporal.db'),
        namespace: config.temporal.namespace,
        pidFile: path.join(config.dataDir, 'temporal.pid'),
        uiCodecEndpoint: `http://localhost:${config.http.port}/codec/ui/${uiCodecSecret}`,
        niceness: config.temporal.devNiceness,
      },
      say,
    );
  }
  const stopDevServer = async () => devServer?.stop();
  try {
    await speechEngine;
    await dashboard;
    say(embedded.database ? `opening PGlite in ${config.database.pgliteDir} ...` : 'connecting to PostgreSQL ...');
    const database = await openDatabase({
      url: config.database.url,
      pgliteDir: config.database.pgliteDir,
      poolSize: config.database.poolSize,
    });
    // The Setup page's "Play a test call", while webhooks are verified with the development key.
    const selfHost = ['0.0.0.0', '::', 'localhost'].includes(config.http.host) ? '127.0.0.1' : config.http.host;
    const testCalls = devKey
      ? createTestCalls({
          dataDir: config.dataDir,
          privateKey: devKey.privateKey,
          selfUrl: `http://${selfHost}:${config.http.port}`,
          ourNumber: config.owner.phoneNumber ?? '+13125550199',
        })
      : undefined;
    const sessions = createSessions(apiTokens, {
      secureCookies: config.http.publicBaseUrl.startsWith('https:'),
      db: database.db,
    });
    const stack = await startStack(config, {
      database,
      log,
      telnyxPublicKey: publicKeyFromBase64(telnyxKey),
      codec,
      temporalAddress: devServer?.address,
      listen: { port: config.http.port, hostname: config.http.host },
      app: {
        apiTokens,
        codecUiOrigin: config.temporal.uiUrl ?? `http://localhost:${config.temporal.uiPort}`,
        codecUiSecret: uiCodecSecret,
        sessions,
        telnyxKeySource: config.telnyx.publicKey ? 'configured' : 'development',
        testCall: testCalls?.place,
        talkCall: testCalls,
      },
    }).catch(async (err: unknown) => {
      await testCalls?.close();
      await database.close();
      throw err;
    });
    if (devServer) {
      // Closed workflow histories are kept a week on the dev server (the database keeps the results;
      // the histories are for inspecting runs in the UI), then Temporal deletes them.
      await stack.connection.workflowService.updateNamespace({
        namespace: config.temporal.namespace,
        // protobufjs takes a number where its types say Long.
        config: { workflowExecutionRetentionTtl: { seconds: (EMBEDDED_HISTORY_RETENTION_DAYS * 86_400) as never } },
      });
    }
    await stack.gateway.ensureRetentionSchedule();
    say(`ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    say(
      `Dashboard:   http://localhost:${config.http.port}/auth/link?code=${sessions.issueLinkCode()} (one-time sign-in link, 15 minutes; later sign in with the API token)`,
    );
    say(`API:         http://localhost:${config.http.port}`);
    say(`API docs:    http://localhost:${config.http.port}/docs (OpenAPI: /openapi.json)`);
    say(`Temporal UI: ${devServer?.uiUrl ?? `(external) ${config.temporal.address}`}`);
    // The token in full once, when it was made; afterwards only where it is kept (logs and
    // terminals outlive a start). A token from API_TOKENS is the operator's: never printed.
    const tokenFile = path.join(config.dataDir, 'api-token');
    say(
      token?.created
        ? `API token:   ${token.value} (new; kept in ${tokenFile})`
        : token
          ? `API token:   ${maskToken(token.value)} (the full token is in ${tokenFile})`
          : `API token:   ${maskToken(apiTokens[0] ?? '')} (from API_TOKENS)`,
    );
    say('Ctrl-C stops everything cleanly.');

    let stopping = 0;
    // Order matters: stop taking webhooks, let the worker finish (or hand back) what it runs, and
    // only then stop what those activities use: the speech engine, the database, Temporal.
    const shutdown = async (signal: string) => {
      if (stopping) {
        // One Ctrl-C can arrive twice (the terminal's process group, and relayed by npm).
        if (Date.now() - stopping < 1000) return;
        say(`${signal} again: stopping now; unfinished activities are retried at the next start.`);
        process.exit(130);
      }
      stopping = Date.now();
      say(`${signal}: draining the worker (Ctrl-C again to force) ...`);
      await stack.stop();
      await testCalls?.close();
      await stopDevServer();
      say('stopped.');
      process.exit(0);
    };
    // Before the engine checks: a Ctrl-C while a model loads must still stop Temporal's dev server.
    process.on('SIGINT', () => void shutdown('SIGINT'));
    process.on('SIGTERM', () => void shutdown('SIGTERM'));
    // The same checks /ready answers, in words (this also loads the local models once).
    for (const [name, check] of Object.entries(stack.engines)) {
      const r = await check().catch((err: Error) => ({ ok: false, detail: err.message }));
      if (stopping) return;
      say(`${`${name}:`.padEnd(12)} ${r.ok ? 'ok' : 'UNAVAILABLE'} (${r.detail})`);
    }
  } catch (err) {
    await stopDevServer();
    throw err;
  }
}

/** The data folder must exist and take writes; say which folder when it does not. */
async function assertWritable(dir: string): Promise<void> {
  const probe = path.join(dir, `.write-check-${process.pid}`);
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    // Owner only: it holds the database, recordings and keys.
    await chmod(dir, 0o700);
    await writeFile(probe, 'ok');
    await rm(probe, { force: true });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOSPC'
        ? 'the disk is full'
        : code === 'EROFS'
          ? 'it is on a read-only file system'
          : code === 'EACCES' || code === 'EPERM'
            ? 'this user may not write to it'
            : `${code ?? (err as Error).message}`;
    throw new StartError(
      `The data folder ${dir} cannot be written (${why}). Free space or choose another folder with DATA_DIR.`,
    );
  }
}

class StartError extends Error {}

main().catch((err: Error) => {
  console.error(
    `[command-center] could not start: ${err instanceof PortInUseError || err instanceof StartError || err.name === 'SpeechEngineMissing' ? err.message : (err.stack ?? err.message)}`,
  );
  process.exit(1);
});

/** A token as the banner shows it after its first start: its first characters only. */
const maskToken = (token: string) => (token.length > 10 ? `${token.slice(0, 6)}…` : '…');
