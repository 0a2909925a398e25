/**
 * `npm run bench:offline`: the time of each pipeline stage on the local offline engines for a
 * two-minute recording (synthetic speech from flite, two parties on two channels), after one
 * warm-up run of the models.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { createLocalEmbeddings } from '../activities/providers/embeddings/local.js';
import { createLocalLanguage } from '../activities/providers/language/local.js';
import { createLocalSpeech } from '../activities/providers/speech/local.js';
import { chunkWords } from '../activities/pipeline.js';
import { fmt, say } from './lib.js';
import { DIALOGUES, dialogueAudio } from './speech.js';

const run = promisify(execFile);
const dataDir = process.env.DATA_DIR ?? '.data';
const dir = await mkdtemp(path.join(tmpdir(), 'cc-offline-'));
try {
  const files = await Promise.all(DIALOGUES.map(async (_, i) => {
    const f = path.join(dir, `d${i}.wav`);
    await writeFile(f, await dialogueAudio(dataDir, i));
    return f;
  }));
  // Caller on the left channel, owner on the right, alternating until two minutes.
  const left = path.join(dir, 'left.wav');
  const right = path.join(dir, 'right.wav');
  const seq = Array.from({ length: 24 }, (_, i) => files[i % files.length]!);
  await run('sox', [...seq, left, 'trim', '0', '120']);
  await run('sox', [...seq.slice(3), ...seq.slice(0, 3), right, 'trim', '0', '120']);
  const stereo = path.join(dir, 'call.wav');
  await run('sox', ['-M', left, right, stereo]);
  const audio = await readFile(stereo);
  const speech = createLocalSpeech({ workDir: path.join(dataDir, 'stt-work') });
  const language = createLocalLanguage();
  const embeddings = createLocalEmbeddings();
  await embeddings.embed(['warm up']);
  const time = async <T>(fn: () => Promise<T>) => {
    const t = performance.now();
    const out = await fn();
    return { out, ms: performance.now() - t };
  };
  const stt = await time(() => speech.transcribe({ audio, contentType: 'audio/wav', channels: 2 }));
  const turns = stt.out.segments.map((s) => ({ speaker: s.speaker, text: s.text }));
  const summary = await time(() => language.summarize({ transcript: stt.out.text, turns, occurredAt: new Date().toISOString() }));
  const sentiment = await time(() => language.sentiment({ turns }));
  const passages = [summary.out.summary, ...chunkWords(stt.out.text)];
  const embed = await time(() => embeddings.embed(passages));
  say(`2-minute stereo call (${audio.length} bytes, ${stt.out.text.split(/\s+/).length} words recognised, ${stt.out.segments.length} segments)`);
  say(`transcribe (pocketsphinx, both channels): ${fmt(stt.ms)}`);
  say(`summarize + action items (TextRank, rules): ${fmt(summary.ms)} (${summary.out.actionItems.length} action items)`);
  say(`sentiment (wink-nlp): ${fmt(sentiment.ms)}`);
  say(`embed (USE-lite, ${passages.length} passages): ${fmt(embed.ms)}`);
} finally {
  await rm(dir, { recursive: true, force: true });
}
