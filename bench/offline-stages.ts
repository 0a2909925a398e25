/**
 * `npm run bench:offline`: the offline engines on call-like audio.
 *
 * Speech: a labelled set of call-like utterances (dates, times, money, names, addresses, numbers)
 * synthesised offline and converted to 8 kHz µ-law as a carrier delivers them, plus two-minute
 * dual-channel calls; word error rate (bench/wer.ts) and real-time factor of the local Whisper
 * engine, its memory, and in the same run Debian's pocketsphinx (the engine it replaced) when it is
 * installed. Then the other local stages on one of those calls: summary, sentiment, embeddings.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { chunkWords } from '../activities/pipeline.js';
import { createLocalEmbeddings } from '../activities/providers/embeddings/local.js';
import { createLocalLanguage } from '../activities/providers/language/local.js';
import { ensureSpeechEngine } from '../activities/providers/speech/engine-install.js';
import { createLocalSpeech } from '../activities/providers/speech/local.js';
import { correctNames, dropLeakedNames, keytermsOf } from '../activities/providers/speech/names.js';
import { fmt, say } from './lib.js';
import { dualCall, monoCall, speak, type Line } from '../fixtures/speech.js';
import { muLawWav, resample, TELEPHONE_RATE } from '../platform/audio.js';
import { wordErrors } from './wer.js';

const run = promisify(execFile);

/** Call-like utterances: what people leave on a phone line. */
export const UTTERANCES = [
  'Hi, this is Daniel Okafor calling about the invoice for four hundred and twenty dollars.',
  'Your appointment is confirmed for Tuesday, March fourth, at ten thirty in the morning.',
  'Please call me back at five five five, two three four, nine eight seven six.',
  'The package will be delivered to 1428 Elm Street, apartment 3B, on Friday afternoon.',
  'We need to reschedule the meeting with Priya from Wednesday to the following Monday.',
  'The total comes to one thousand two hundred fifty dollars including tax and delivery.',
  'This is Doctor Hernandez’s office reminding you to fast for twelve hours before the blood test.',
  'Our flight leaves at six fifteen on December twentieth, gate twenty two.',
  'Can you pick up the kids from school at three o clock and take them to soccer practice?',
  'The contractor said the roof repair will take two weeks and cost about eight thousand dollars.',
  'Hello, this is Sarah from the bank. Please confirm the last four digits of your card.',
  'I left my keys at the restaurant on Main Street, can you ask them to hold them for me?',
  'The school board meeting moved to Thursday the eighteenth at seven in the evening.',
  'Remind Tom that his rent of nine hundred fifty dollars is due on the first of the month.',
  'My new address is 77 Harbor Road, Portland, Oregon, zip code nine seven two zero one.',
  'The pharmacy called, your prescription is ready and the copay is fifteen dollars.',
  'We are celebrating Grandpa’s eightieth birthday on Saturday, June twelfth, at noon.',
  'I will be about twenty minutes late because of the traffic on the highway.',
  'The plumber can come between eight and eleven tomorrow morning to fix the leak.',
  'Please send the signed contract to Michael Chen before the end of the week.',
  'The car insurance renewal is three hundred and sixty dollars for six months.',
  'Let us meet at the coffee shop on Fifth Avenue at half past nine.',
];

/** Utterances with a contact's name in them: the names a call should contain (bench names only). */
export const NAME_UTTERANCES: { text: string; name: { first: string; last: string } }[] = [
  { text: 'Hi, this is Dana Whitfield calling about the roof estimate.', name: { first: 'Dana', last: 'Whitfield' } },
  { text: 'Hello, it is Siobhan Kowalski from the school office.', name: { first: 'Siobhan', last: 'Kowalski' } },
  {
    text: 'This is Rahul Venkatesan, returning your call about the lease.',
    name: { first: 'Rahul', last: 'Venkatesan' },
  },
  { text: 'Hey, Marguerite Okonkwo here, the package arrived today.', name: { first: 'Marguerite', last: 'Okonkwo' } },
  {
    text: 'Good morning, this is Tobias Lindqvist from the dental clinic.',
    name: { first: 'Tobias', last: 'Lindqvist' },
  },
  { text: 'Hi, it is Priya Raman, call me back when you can.', name: { first: 'Priya', last: 'Raman' } },
  { text: 'This is Declan Ferreira with the insurance claim update.', name: { first: 'Declan', last: 'Ferreira' } },
  { text: 'Hello, Ingrid Haugen speaking, about the garden fence.', name: { first: 'Ingrid', last: 'Haugen' } },
  { text: 'Hi, this is Mateo Alvarado, I am running ten minutes late.', name: { first: 'Mateo', last: 'Alvarado' } },
  { text: 'Yes, hello, this is Noor Haddad from the bank.', name: { first: 'Noor', last: 'Haddad' } },
];

/** Two-minute two-party calls: the parties take turns until two minutes are filled. */
function longCall(seed: number): Line[] {
  const lines: Line[] = [];
  for (let i = 0; lines.length < 28; i++)
    lines.push({ party: i % 2 === 0 ? 'caller' : 'owner', text: UTTERANCES[(seed + i * 5) % UTTERANCES.length]! });
  return lines;
}

const time = async <T>(fn: () => Promise<T>) => {
  const t = performance.now();
  const out = await fn();
  return { out, ms: performance.now() - t };
};

async function peakMemoryKb(pid: number | undefined): Promise<number | undefined> {
  if (!pid) return undefined;
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  const m = /VmHWM:\s+(\d+) kB/.exec(status);
  return m ? Number(m[1]) : undefined;
}

/** Debian's pocketsphinx on 16 kHz PCM (the engine the Whisper one replaced), or undefined when absent. */
async function pocketsphinx(dir: string, samples16k: Float32Array): Promise<string | undefined> {
  const pcm = Buffer.alloc(44 + samples16k.length * 2);
  pcm.write('RIFF', 0, 'ascii');
  pcm.writeUInt32LE(36 + samples16k.length * 2, 4);
  pcm.write('WAVEfmt ', 8, 'ascii');
  pcm.writeUInt32LE(16, 16);
  pcm.writeUInt16LE(1, 20);
  pcm.writeUInt16LE(1, 22);
  pcm.writeUInt32LE(16000, 24);
  pcm.writeUInt32LE(32000, 28);
  pcm.writeUInt16LE(2, 32);
  pcm.writeUInt16LE(16, 34);
  pcm.write('data', 36, 'ascii');
  pcm.writeUInt32LE(samples16k.length * 2, 40);
  samples16k.forEach((v, i) => pcm.writeInt16LE(Math.max(-32768, Math.min(32767, Math.round(v))), 44 + i * 2));
  const file = path.join(dir, 'ps.wav');
  await writeFile(file, pcm);
  try {
    const { stdout } = await run('pocketsphinx_continuous', ['-infile', file, '-logfn', '/dev/null'], {
      maxBuffer: 16 * 1024 * 1024,
    });
    return stdout.trim();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

await ensureSpeechEngine((l) => say(l));
const dir = await mkdtemp(path.join(tmpdir(), 'cc-offline-'));
const speech = createLocalSpeech({ workDir: path.join(dir, 'stt-work') });
try {
  say(`synthesising ${UTTERANCES.length} utterances and 2 two-minute dual-channel calls (flite, 8 kHz µ-law) ...`);
  const clips = [];
  for (const text of UTTERANCES) {
    const { samples, rate } = await speak(text, 'rms');
    const phone = resample(samples, rate, TELEPHONE_RATE);
    clips.push({ text, wav: muLawWav([phone]), seconds: phone.length / TELEPHONE_RATE, raw: { samples, rate } });
  }
  const calls = [await dualCall(longCall(0)), await dualCall(longCall(3))];

  // Warm-up: the engine starts and loads the model once per worker.
  const load = await time(() => speech.check());
  say(`engine start and model load: ${fmt(load.ms)} (${load.out.detail})`);

  let errors = 0;
  let words = 0;
  let audioSeconds = 0;
  let busyMs = 0;
  const worst: { wer: number; text: string; heard: string }[] = [];
  for (const clip of clips) {
    const t = await time(() => speech.transcribe({ audio: clip.wav, contentType: 'audio/wav', channels: 1 }));
    const e = wordErrors(clip.text, t.out.text);
    errors += e.errors;
    words += e.words;
    audioSeconds += clip.seconds;
    busyMs += t.ms;
    worst.push({ wer: e.errors / e.words, text: clip.text, heard: t.out.text });
  }
  worst.sort((a, b) => b.wer - a.wer);
  say(
    `utterances: WER ${((errors / words) * 100).toFixed(1)}% (${errors} errors in ${words} words), ${audioSeconds.toFixed(0)} s of audio in ${fmt(busyMs)}, RTF ${(busyMs / 1000 / audioSeconds).toFixed(3)} (one at a time)`,
  );
  for (const w of worst.slice(0, 3)) say(`  worst ${(w.wer * 100).toFixed(0)}%: "${w.text}" -> "${w.heard}"`);

  // Names heard right: the same audio without and with the caller's name as hint words, then the
  // repair against all the expected names.
  const expected = NAME_UTTERANCES.map((u) => u.name);
  let before = 0;
  let after = 0;
  let leaked = 0;
  const misses: string[] = [];
  for (const u of NAME_UTTERANCES) {
    const wav = await monoCall(u.text);
    const full = `${u.name.first} ${u.name.last}`;
    const plain = await speech.transcribe({ audio: wav, contentType: 'audio/wav', channels: 1 });
    const hinted = await speech.transcribe({
      audio: wav,
      contentType: 'audio/wav',
      channels: 1,
      // As the pipeline does for a known caller: their name (and the owner's) as hint words;
      // every expected name for the repair.
      keyterms: keytermsOf([u.name]),
    });
    const cut = dropLeakedNames(hinted.text, expected);
    if (cut !== hinted.text) leaked++;
    const repaired = correctNames(cut, expected);
    if (plain.text.includes(full)) before++;
    if (repaired.includes(full)) after++;
    else misses.push(`"${full}" -> "${repaired}"`);
  }
  say(
    `names (${NAME_UTTERANCES.length} utterances, ${expected.length} expected names): spelled right ${before}/${NAME_UTTERANCES.length} without hints, ${after}/${NAME_UTTERANCES.length} with hint words and repair; hint words "heard" in silence and cut in ${leaked}`,
  );
  for (const m of misses.slice(0, 3)) say(`  still wrong: ${m}`);

  for (const [i, call] of calls.entries()) {
    const seconds = (call.turns.at(-1)!.endMs + 400) / 1000;
    const t = await time(() => speech.transcribe({ audio: call.wav, contentType: 'audio/wav', channels: 2 }));
    const reference = call.turns.map((l) => l.text).join(' ');
    const e = wordErrors(reference, t.out.text);
    const right = t.out.segments.filter((s) => {
      const mid = (s.startMs + s.endMs) / 2;
      return call.turns.find((l) => mid >= l.startMs - 500 && mid <= l.endMs + 500)?.party === s.speaker;
    }).length;
    say(
      `dual call ${i + 1}: ${seconds.toFixed(0)} s, transcribed in ${fmt(t.ms)} (RTF ${(t.ms / 1000 / seconds).toFixed(3)}), WER ${((e.errors / e.words) * 100).toFixed(1)}%, ${right}/${t.out.segments.length} turns on the right speaker`,
    );
  }
  const kb = await peakMemoryKb(speech.enginePid());
  say(
    `engine process peak memory: ${kb ? `${(kb / 1024).toFixed(0)} MB` : 'unknown'} (${availableParallelism()} workers, int8)`,
  );

  // The replaced engine, same audio (16 kHz PCM, its model's rate), when installed.
  let psErrors = 0;
  let psWords = 0;
  let psMs = 0;
  let psAvailable = true;
  for (const clip of clips) {
    const t = await time(() => pocketsphinx(dir, resample(clip.raw.samples, clip.raw.rate, 16000)));
    if (t.out === undefined) {
      psAvailable = false;
      break;
    }
    const e = wordErrors(clip.text, t.out);
    psErrors += e.errors;
    psWords += e.words;
    psMs += t.ms;
  }
  say(
    psAvailable
      ? `pocketsphinx (16 kHz PCM, same utterances): WER ${((psErrors / psWords) * 100).toFixed(1)}%, RTF ${(psMs / 1000 / audioSeconds).toFixed(3)}`
      : 'pocketsphinx: not installed, no comparison in this run',
  );

  // The other local stages, on the first two-minute call.
  const transcript = await speech.transcribe({ audio: calls[0]!.wav, contentType: 'audio/wav', channels: 2 });
  const language = createLocalLanguage();
  const embeddings = createLocalEmbeddings();
  await embeddings.embed(['warm up']);
  const turns = transcript.segments.map((s) => ({ speaker: s.speaker, text: s.text }));
  const summary = await time(() =>
    language.summarize({ transcript: transcript.text, turns, occurredAt: new Date().toISOString() }),
  );
  const sentiment = await time(() => language.sentiment({ turns }));
  const passages = [summary.out.summary, ...chunkWords(transcript.text)];
  const embed = await time(() => embeddings.embed(passages));
  say(
    `summarize + action items (rules, TextRank key sentence; first call, the thread starts): ${fmt(summary.ms)} (${summary.out.actionItems.length} action items)`,
  );
  say(`sentiment (wink-nlp): ${fmt(sentiment.ms)}`);
  say(`embed (USE-lite, ${passages.length} passages): ${fmt(embed.ms)}`);
} finally {
  await speech.close();
  await rm(dir, { recursive: true, force: true });
}
