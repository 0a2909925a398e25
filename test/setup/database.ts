/** The database layer's environment: native PostgreSQL with pgvector, and the run's scratch folder. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startNativePostgres } from '../../deploy/native-postgres.js';
import { freePort } from '../../platform/ports.js';
import { say, sharedPart } from './shared.js';

export default function setup() {
  return sharedPart('database', async () => {
    let pg;
    try {
      pg = await startNativePostgres(await freePort(), say);
    } catch (err) {
      throw new Error(`Native PostgreSQL with pgvector is required for the tests: ${(err as Error).message}`);
    }
    // Every data folder a test makes lives under one root, removed when the run ends.
    const scratch = await mkdtemp(path.join(tmpdir(), 'cc-tests-'));
    // Test workers are forked after this runs and inherit these.
    process.env.TEST_SCRATCH_DIR = scratch;
    process.env.TEST_POSTGRES_URL = pg.url;
    return async () => {
      await pg.stop();
      await rm(scratch, { recursive: true, force: true });
    };
  });
}
