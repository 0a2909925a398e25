/**
 * Starts the real parts the suite needs, once: the offline speech engine (installed if missing), Chromium for the browser tests (apt, if missing), a
 * Temporal dev server (in memory) and native PostgreSQL with pgvector. A part that cannot start fails the run with what is missing.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startDevServer } from '../deploy/dev-server.js';
import { locateTemporalCli } from '../deploy/temporal-cli.js';
import { startNativePostgres } from '../deploy/native-postgres.js';
import { ensureSpeechEngine } from '../activities/providers/speech/engine-install.js';
import { ensureChromium } from './browser.js';
import { provisionTimeSkippingServer } from './time-skipping.js';
import { freePort } from '../platform/ports.js';

const say = (s: string) => console.log(`[test setup] ${s}`);

export default async function setup() {
  let cli: string;
  try {
    cli = await locateTemporalCli(process.env.TEMPORAL_CLI_PATH, say);
  } catch (err) {
    throw new Error(`The Temporal CLI is required for the tests: ${(err as Error).message}`);
  }
  try {
    await ensureSpeechEngine(say);
  } catch (err) {
    throw new Error(`The offline speech engine is required for the tests: ${(err as Error).message}`);
  }
  try {
    ensureChromium(say);
  } catch (err) {
    throw new Error(`A browser is required for the dashboard tests: ${(err as Error).message}`);
  }
  try {
    await provisionTimeSkippingServer(say);
  } catch (err) {
    throw new Error(
      `Temporal's time-skipping test server is required for the workflow tests: ${(err as Error).message}`,
    );
  }
  const temporal = await startDevServer({ cliPath: cli, port: await freePort(), namespace: 'default', headless: true });
  let pg;
  try {
    pg = await startNativePostgres(await freePort(), say);
  } catch (err) {
    await temporal.stop();
    throw new Error(`Native PostgreSQL with pgvector is required for the tests: ${(err as Error).message}`);
  }
  // Every data folder a test makes lives under one root, removed when the run ends.
  const scratch = await mkdtemp(path.join(tmpdir(), 'cc-tests-'));
  // Test workers are forked after this runs and inherit these.
  process.env.TEST_SCRATCH_DIR = scratch;
  process.env.TEST_TEMPORAL_ADDRESS = temporal.address;
  process.env.TEST_TEMPORAL_CLI_PATH = cli;
  process.env.TEST_POSTGRES_URL = pg.url;
  return async () => {
    await temporal.stop();
    await pg.stop();
    await rm(scratch, { recursive: true, force: true });
  };
}
