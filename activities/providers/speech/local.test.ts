/** The offline speech engine, run for real (the test setup installs it; nothing here is faked). */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { dualCall, monoCall } from '../../../fixtures/speech.js';
import { ProviderError } from '../errors.js';
import { findSpeechEngine } from './engine-install.js';
import { scratchPath } from '../../../test/scratch.js';
import { createLocalSpeech, createTurns, mergeTurns } from './local.js';

const run = promisify(execFile);
const words = (s: string) =>
  s
    .toLowerCase()
    .replace(/[^a-z0-9' ]/g, ' ')
    .split(/\s+/)
    .filter(Boolean);

async function installed() {
  const engine = await findSpeechEngine();
  if (!engine)
    throw new Error(
      'the offline speech engine is not installed: the acceptance layer setup (test/setup/engines.ts) should have installed it',
    );
  return engine;
}

/** Re-encode audio as mp3 with the engine's own PyAV (no sox or lame on the machine). */
async function toMp3(wav: Buffer): Promise<Buffer> {
  const engine = await installed();
  const dir = await mkdtemp(path.join(process.env.TEST_SCRATCH_DIR ?? tmpdir(), 'mp3-'));
  await writeFile(path.join(dir, 'in.wav'), wav);
  const script = `
import av, sys
src = av.open(sys.argv[1]); dst = av.open(sys.argv[2], 'w')
out = dst.add_stream('mp3', rate=16000); out.bit_rate = 32000
res = av.AudioResampler(format='s16p', layout='mono', rate=16000)
for frame in src.decode(audio=0):
    for f in res.resample(frame):
        for p in out.encode(f): dst.mux(p)
for p in out.encode(None): dst.mux(p)
dst.close()`;
  await run(engine.python, ['-c', script, path.join(dir, 'in.wav'), path.join(dir, 'out.mp3')], {
    env: { ...process.env, PYTHONPATH: engine.packages },
  });
  return readFile(path.join(dir, 'out.mp3'));
}

describe('local speech engine (faster-whisper, packaged tiny.en)', () => {
  const workDir = scratchPath('stt');
  const speech = createLocalSpeech({ workDir, concurrency: 2 });
  afterAll(() => speech.close());

  it('puts each channel of a dual µ-law recording on its own speaker, in time order', async () => {
    const call = await dualCall([
      { party: 'caller', text: 'Hello, this is Maria from the dental office about your appointment.' },
      { party: 'owner', text: 'Thanks for calling, Thursday afternoon works for me.' },
      { party: 'caller', text: 'Perfect, I will send you a reminder on Wednesday.' },
    ]);
    const t = await speech.transcribe({ audio: call.wav, contentType: 'audio/wav', channels: 2 });
    expect(t.model).toMatch(/whisper-tiny\.en/);
    expect(t.segments.map((s) => s.speaker)).toEqual(['caller', 'owner', 'caller']);
    const [first, second, third] = t.segments;
    expect(words(first!.text)).toEqual(expect.arrayContaining(['maria', 'dental', 'appointment']));
    expect(words(second!.text)).toEqual(expect.arrayContaining(['thursday', 'afternoon']));
    expect(words(third!.text)).toEqual(expect.arrayContaining(['reminder', 'wednesday']));
    // Times come from the engine and line up with where each line was placed.
    for (const [i, seg] of t.segments.entries()) {
      expect(Math.abs(seg.startMs - call.turns[i]!.startMs)).toBeLessThan(1000);
      expect(seg.words!.length).toBeGreaterThan(3);
      expect(seg.words![0]!.startMs).toBeGreaterThanOrEqual(seg.startMs - 50);
    }
    expect(t.durationSeconds).toBeCloseTo((call.turns.at(-1)!.endMs + 400) / 1000, 0);
    expect(await readdir(workDir)).toEqual([]); // the job's audio file is gone
  });

  it('reads wav and mp3, mono', async () => {
    const wav = await monoCall('The March invoice is still unpaid. Please send the payment this week.');
    const fromWav = await speech.transcribe({ audio: wav, contentType: 'audio/wav', channels: 1 });
    expect(fromWav.segments.every((s) => s.speaker === 'speaker_0')).toBe(true);
    expect(words(fromWav.text)).toEqual(expect.arrayContaining(['invoice', 'unpaid', 'payment', 'week']));
    const fromMp3 = await speech.transcribe({ audio: await toMp3(wav), contentType: 'audio/mpeg', channels: 1 });
    expect(words(fromMp3.text)).toEqual(expect.arrayContaining(['invoice', 'payment', 'week']));
  });

  it('fails a corrupt or empty recording as not retryable, with a clear message', async () => {
    const corrupt = speech.transcribe({
      audio: Buffer.from('this is not audio at all'.repeat(50)),
      contentType: 'audio/wav',
      channels: 1,
    });
    await expect(corrupt).rejects.toMatchObject({
      retryable: false,
      message: expect.stringMatching(/cannot decode the recording/),
    });
    await expect(
      speech.transcribe({ audio: Buffer.alloc(0), contentType: 'audio/wav', channels: 1 }),
    ).rejects.toMatchObject({ retryable: false, message: expect.stringMatching(/empty/) });
  });

  it('a job whose engine is killed fails as retryable, and the next job starts a new engine', async () => {
    const sentence =
      'Please call the plumber tomorrow morning about the leaking kitchen sink, it is getting worse every day.';
    // About a minute of speech, so the engine is certainly still working when it is killed.
    const long = await monoCall(Array(8).fill(sentence).join(' '));
    const pending = speech.transcribe({ audio: long, contentType: 'audio/wav', channels: 1 });
    // Killed only once the job is in the engine's hands (under load, writing its audio takes a while).
    for (let i = 0; i < 500 && speech.jobsInFlight() === 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(speech.jobsInFlight()).toBe(1);
    const pid = speech.enginePid();
    expect(pid).toBeDefined();
    process.kill(pid!, 'SIGKILL');
    const err = await pending.then(
      () => 'finished',
      (e: unknown) => e,
    );
    expect(err).toMatchObject({ retryable: true, message: expect.stringMatching(/speech engine exited/) });
    const again = await speech.transcribe({ audio: await monoCall(sentence), contentType: 'audio/wav', channels: 1 });
    expect(words(again.text)).toEqual(expect.arrayContaining(['plumber', 'kitchen', 'sink']));
    expect(speech.enginePid()).not.toBe(pid);
  });

  it('shares its folder with other processes: a starting engine deletes only audio no job can still own', async () => {
    // The cluster's workers and APIs share one data folder: an engine starting must not delete
    // audio another process's job is about to read; audio older than the longest job was left by a
    // process killed mid-job and goes.
    const shared = scratchPath('stt-shared');
    await mkdir(shared, { recursive: true });
    const stale = path.join(shared, 'left-by-a-killed-process.wav');
    await writeFile(stale, 'audio');
    const old = new Date(Date.now() - 11 * 60_000 - 61_000);
    await utimes(stale, old, old);
    await writeFile(path.join(shared, 'another-process-job.wav'), 'audio');
    const speech = createLocalSpeech({ workDir: shared, concurrency: 1, jobTimeoutMs: 10 * 60_000 });
    try {
      expect(await speech.check()).toMatchObject({ ok: true });
      expect(await readdir(shared)).toEqual(['another-process-job.wav']);
      const t = await speech.transcribe({
        audio: await monoCall('The roofer will come on Friday to fix the gutter above the garage door.'),
        contentType: 'audio/wav',
        channels: 1,
      });
      expect(words(t.text)).toEqual(expect.arrayContaining(['roofer', 'friday', 'gutter']));
      expect(await readdir(shared)).toEqual(['another-process-job.wav']);
    } finally {
      await speech.close();
    }
  });

  it('without the engine installed, fails with the command that installs it', async () => {
    const missing = createLocalSpeech({ workDir, locate: async () => undefined });
    const err = await missing
      .transcribe({ audio: Buffer.from('RIFF'), contentType: 'audio/wav', channels: 1 })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderError);
    expect(err).toMatchObject({ retryable: false, message: expect.stringContaining('npm run provision') });
    expect(await missing.check()).toMatchObject({ ok: false, detail: expect.stringContaining('npm run provision') });
  });
});

describe('speaker turns', () => {
  it('merges a party’s consecutive segments and orders the parties by time', () => {
    const seg = (s: number, e: number, text: string) => ({ s, e, text, words: [{ w: text, s, e, p: 0.9 }] });
    const turns = mergeTurns([
      { speaker: 'caller', segments: [seg(0, 1000, 'hi'), seg(1200, 2000, 'there'), seg(5000, 6000, 'bye')] },
      { speaker: 'owner', segments: [seg(2500, 4000, 'hello')] },
    ]);
    expect(turns.map((t) => [t.speaker, t.startMs, t.endMs, t.text, t.words!.length])).toEqual([
      ['caller', 0, 2000, 'hi there', 2],
      ['owner', 2500, 4000, 'hello', 1],
      ['caller', 5000, 6000, 'bye', 1],
    ]);
  });

  it('interleaves by word times when one segment spans the other party’s reply', () => {
    const w = (w: string, s: number) => ({ w, s, e: s + 300, p: 0.9 });
    const turns = mergeTurns([
      {
        speaker: 'caller',
        segments: [
          {
            s: 0,
            e: 9000,
            text: 'Hi there. Thanks, bye.',
            words: [w('Hi', 0), w('there.', 400), w('Thanks,', 8000), w('bye.', 8400)],
          },
        ],
      },
      { speaker: 'owner', segments: [{ s: 3000, e: 4000, text: 'Hello.', words: [w('Hello.', 3000)] }] },
    ]);
    expect(turns.map((t) => [t.speaker, t.startMs, t.text])).toEqual([
      ['caller', 0, 'Hi there.'],
      ['owner', 3000, 'Hello.'],
      ['caller', 8000, 'Thanks, bye.'],
    ]);
  });

  it('runs at most `size` jobs at once, and every one of them', async () => {
    const inTurn = createTurns(2);
    let running = 0;
    let most = 0;
    const done: number[] = [];
    await Promise.all(
      Array.from({ length: 7 }, (_, i) =>
        inTurn(async () => {
          running++;
          most = Math.max(most, running);
          await new Promise((r) => setTimeout(r, 5 + (i % 3) * 5));
          running--;
          done.push(i);
        }),
      ),
    );
    expect(most).toBe(2);
    expect(done.sort()).toEqual([0, 1, 2, 3, 4, 5, 6]);
    await expect(inTurn(async () => Promise.reject(new Error('engine crashed')))).rejects.toThrow('engine crashed');
    expect(await Promise.all([inTurn(async () => 'a'), inTurn(async () => 'b'), inTurn(async () => 'c')])).toEqual([
      'a',
      'b',
      'c',
    ]);
  });
});
