/**
 * Offline speech-to-text: Debian's pocketsphinx (16 kHz wideband model), with sox to decode and
 * resample. Dual-channel recordings are split so each party is transcribed separately, which gives
 * speaker segments without diarization. Best effort: expect high word error rates on phone audio.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { ProviderError } from '../errors.js';
import type { SpeechSegment, SpeechToTextPort } from './port.js';

const run = promisify(execFile);
export const LOCAL_STT_MODEL = 'pocketsphinx-en-us-0.8';

/** Parse `pocketsphinx_continuous -time yes` output into utterances with times. */
export function parsePocketsphinxTimes(output: string, speaker: string): SpeechSegment[] {
  const segments: SpeechSegment[] = [];
  let words: { w: string; s: number; e: number }[] = [];
  const flush = () => {
    const spoken = words.filter((x) => !/^(<s>|<\/s>|<sil>|\[NOISE\]|\+\+.*\+\+)$/i.test(x.w));
    if (spoken.length > 0) {
      segments.push({
        speaker,
        startMs: Math.round(spoken[0]!.s * 1000),
        endMs: Math.round(spoken[spoken.length - 1]!.e * 1000),
        text: spoken.map((x) => x.w.replace(/\(\d+\)$/, '')).join(' '),
      });
    }
    words = [];
  };
  for (const line of output.split('\n')) {
    const m = /^(\S+)\s+([\d.]+)\s+([\d.]+)\s+[\d.]+$/.exec(line.trim());
    if (!m) continue;
    if (m[1] === '<s>') flush();
    words.push({ w: m[1]!, s: Number(m[2]), e: Number(m[3]) });
    if (m[1] === '</s>') flush();
  }
  flush();
  return segments;
}

/**
 * Local recognition is CPU-bound: a worker may run many transcribe stages at once, but only as many
 * recognisers as there are cores; the rest wait their turn (heartbeating, see activities/pipeline.ts).
 */
export function createTurns(size: number) {
  let active = 0;
  const waiting: (() => void)[] = [];
  return async function inTurn<T>(fn: () => Promise<T>): Promise<T> {
    if (active >= size) await new Promise<void>((resolve) => waiting.push(resolve));
    else active++;
    try {
      return await fn();
    } finally {
      const next = waiting.shift();
      if (next) next();
      else active--;
    }
  };
}

export function createLocalSpeech(concurrency = availableParallelism()): SpeechToTextPort {
  const inTurn = createTurns(concurrency);
  return {
    name: 'local',
    transcribe: (input) => inTurn(() => transcribeLocally(input)),
  };
}

async function transcribeLocally({ audio, contentType, channels, onProgress }: Parameters<SpeechToTextPort['transcribe']>[0]) {
  const dir = await mkdtemp(path.join(tmpdir(), 'cc-stt-'));
  try {
    const ext = /mpeg|mp3/.test(contentType) ? 'mp3' : 'wav';
    const input = path.join(dir, `in.${ext}`);
    await writeFile(input, audio);
    // Trust the file over the webhook: a "dual" recording that arrives with one channel is mixed.
    const actual = Number((await tool('sox', ['--i', '-c', input])).stdout.trim()) || 1;
    const parties = channels > 1 && actual > 1 ? [{ remix: '1', speaker: 'caller' }, { remix: '2', speaker: 'owner' }] : [{ remix: '-', speaker: 'speaker_0' }];
    const segments: SpeechSegment[] = [];
    for (const party of parties) {
      const wav = path.join(dir, `${party.speaker}.wav`);
      await tool('sox', [input, '-r', '16000', '-c', '1', '-b', '16', wav, ...(party.remix === '-' ? [] : ['remix', party.remix])]);
      onProgress?.();
      const { stdout } = await tool('pocketsphinx_continuous', ['-infile', wav, '-time', 'yes', '-logfn', '/dev/null']);
      segments.push(...parsePocketsphinxTimes(stdout, party.speaker));
      onProgress?.();
    }
    segments.sort((a, b) => a.startMs - b.startMs);
    const durationSeconds = segments.length ? segments[segments.length - 1]!.endMs / 1000 : 0;
    return { text: segments.map((s) => s.text).join(' '), segments, durationSeconds, model: LOCAL_STT_MODEL };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function tool(cmd: string, args: string[]) {
  try {
    return await run(cmd, args, { maxBuffer: 64 * 1024 * 1024, timeout: 15 * 60_000 });
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: string };
    if (e.code === 'ENOENT') {
      throw new ProviderError(`${cmd} is not installed: run \`npm run provision\` (Debian: pocketsphinx pocketsphinx-en-us sox libsox-fmt-mp3)`, false, 'local-stt');
    }
    throw new ProviderError(`${cmd} failed: ${String(e.stderr ?? e.message).slice(0, 300)}`, false, 'local-stt');
  }
}
