/**
 * Offline speech-to-text: Whisper on CTranslate2 (faster-whisper) in one long-lived Python child
 * per worker that loads the model once and takes jobs as JSON lines on stdin/stdout. Dual-channel
 * recordings carry one party per channel (Telnyx: the other party left, the owner right); each
 * channel is transcribed on its own and the segments are merged by time into speaker turns.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdir, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { muLawWavOf } from '../../../platform/audio.js';
import { ProviderError } from '../errors.js';
import {
  engineScript,
  findSpeechEngine,
  PACKAGED_MODEL,
  SpeechEngineMissing,
  type SpeechEngineInstall,
} from './engine-install.js';
import type { SpeechSegment, SpeechToTextPort, Transcript } from './port.js';

export interface LocalSpeechOptions {
  /**
   * Where audio is written for the engine. Several processes may share it (the cluster's workers and
   * APIs do): each job deletes its own file, and a file older than a job may run was left by a
   * process killed mid-job, so it is deleted when an engine starts and, at most once a minute, after
   * a job.
   */
  workDir: string;
  /** A CTranslate2 Whisper model folder; default the packaged tiny.en. */
  modelDir?: string;
  /** Jobs the engine runs at once (one per core by default). */
  concurrency?: number;
  /** How the engine is found (tests point it elsewhere); default the project's tools folder. */
  locate?: () => Promise<SpeechEngineInstall | undefined>;
  /** Longest a single job may take before the engine is restarted. */
  jobTimeoutMs?: number;
}

/** One engine segment of one channel, times in ms. */
interface EngineSegment {
  s: number;
  e: number;
  text: string;
  words: { w: string; s: number; e: number; p: number }[];
}
type EngineReply =
  | { id: string; ok: true; channels: EngineSegment[][]; duration: number }
  | { id: string; ok: false; kind: 'bad_audio' | 'engine'; error: string };

const engineError = (message: string, retryable: boolean) =>
  new ProviderError(`local-stt: ${message}`, retryable, 'local-stt');

/** The shortest pause in one party's segment the other party's words can cut it at. */
const MIN_PAUSE_MS = 500;

/**
 * Merge per-channel segments into speaker turns ordered by time: a party's consecutive segments
 * (nothing from the other party between them) become one turn.
 */
export function mergeTurns(channels: { speaker: string; segments: EngineSegment[] }[]): SpeechSegment[] {
  // One channel's segment may span the other party's reply (its silence was skipped): such a
  // segment is cut at the other party's words, by word times, so turns interleave as spoken. A
  // segment nobody spoke into keeps the engine's own text (its numbers and punctuation).
  const starts = channels.map((c) =>
    c.segments.flatMap((seg) => (seg.words.length ? seg.words.map((w) => w.s) : [seg.s])),
  );
  const pieces = channels.flatMap((c, ci) =>
    c.segments.flatMap((seg) => {
      const cuts = starts
        .filter((_, other) => other !== ci)
        .flat()
        .filter((t) => t > seg.s && t < seg.e)
        .sort((a, b) => a - b);
      const whole = { speaker: c.speaker, s: seg.s, e: seg.e, text: seg.text, words: seg.words };
      if (cuts.length === 0 || seg.words.length === 0) return [whole];
      const runs: EngineSegment['words'][] = [];
      for (const w of seg.words) {
        const run = runs.at(-1);
        const prev = run?.at(-1);
        // Cut only at a pause the other party spoke into: word times jitter by a few hundred ms, and
        // a word moved across the other party's first word would read out of order.
        const spokeInto = prev && w.s - prev.e >= MIN_PAUSE_MS && cuts.some((t) => t >= prev.e - 250 && t < w.s);
        if (run && prev && !spokeInto) run.push(w);
        else runs.push([w]);
      }
      return runs.map((run) => ({
        speaker: c.speaker,
        s: run[0]!.s,
        e: run.at(-1)!.e,
        text: run.map((w) => w.w).join(' '),
        words: run,
      }));
    }),
  );
  pieces.sort((a, b) => a.s - b.s || a.e - b.e);
  const turns: SpeechSegment[] = [];
  for (const piece of pieces) {
    const words = piece.words.map((w) => ({ text: w.w, startMs: w.s, endMs: w.e, confidence: w.p }));
    const last = turns[turns.length - 1];
    if (last && last.speaker === piece.speaker) {
      last.endMs = Math.max(last.endMs, piece.e);
      last.text = `${last.text} ${piece.text}`;
      last.words = [...(last.words ?? []), ...words];
    } else {
      turns.push({ speaker: piece.speaker, startMs: piece.s, endMs: piece.e, text: piece.text, words });
    }
  }
  return turns;
}

/** The long-lived engine child: started on first use, restarted on the next job after it dies. */
class WhisperEngine {
  private child?: ChildProcessWithoutNullStreams;
  private starting?: Promise<ChildProcessWithoutNullStreams>;
  private pending = new Map<string, { resolve: (r: EngineReply) => void; reject: (e: Error) => void }>();
  private stderrTail: string[] = [];
  private closed = false;
  private lastSweep = 0;

  constructor(
    private readonly o: Required<Pick<LocalSpeechOptions, 'workDir' | 'concurrency' | 'jobTimeoutMs'>> &
      LocalSpeechOptions,
  ) {}

  /**
   * Delete audio no live job can still own: older than the longest job (its timeout, plus a minute
   * for writing the file). Another process's file in use is younger than that, so it is left alone.
   */
  async sweep(force = false): Promise<void> {
    const now = Date.now();
    if (!force && now - this.lastSweep < 60_000) return;
    this.lastSweep = now;
    const cutoff = now - this.o.jobTimeoutMs - 60_000;
    let names: string[];
    try {
      names = await readdir(this.o.workDir);
    } catch {
      return; // not there yet: nothing was left
    }
    for (const name of names) {
      const file = path.join(this.o.workDir, name);
      const info = await stat(file).catch(() => undefined);
      // Never fails a job: what cannot be deleted now is tried again at the next sweep.
      if (info && info.mtimeMs < cutoff) await rm(file, { force: true, recursive: true }).catch(() => undefined);
    }
  }

  modelName(): string {
    return this.o.modelDir
      ? `whisper:${path.basename(path.resolve(this.o.modelDir))} (faster-whisper 1.2.1, int8)`
      : PACKAGED_MODEL;
  }

  async run(
    file: string,
    channels: number,
    timeoutMs: number,
    extra: { mode?: 'utterance'; prompt?: string; hotwords?: string } = {},
  ): Promise<EngineReply> {
    const child = await this.start();
    const id = randomUUID();
    return new Promise<EngineReply>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(engineError(`the engine took longer than ${Math.round(timeoutMs / 1000)} s; restarting it`, true));
        child.kill('SIGKILL');
      }, timeoutMs);
      this.pending.set(id, {
        resolve: (r) => (clearTimeout(timer), resolve(r)),
        reject: (e) => (clearTimeout(timer), reject(e)),
      });
      child.stdin.write(`${JSON.stringify({ id, path: file, channels, ...extra })}\n`);
    });
  }

  /** The running engine, started (and the model loaded) when it is not running. */
  start(): Promise<ChildProcessWithoutNullStreams> {
    if (this.closed) return Promise.reject(engineError('the speech engine is shutting down', true));
    if (this.child) return Promise.resolve(this.child);
    this.starting ??= this.spawnEngine().finally(() => (this.starting = undefined));
    return this.starting;
  }

  private async spawnEngine(): Promise<ChildProcessWithoutNullStreams> {
    const install = await (this.o.locate ?? (() => findSpeechEngine()))();
    if (!install) throw new SpeechEngineMissing('faster-whisper is not in the tools folder');
    await this.sweep(true);
    const modelDir = this.o.modelDir ? path.resolve(this.o.modelDir) : install.packagedModelDir;
    const child = spawn(install.python, [engineScript, modelDir, String(this.o.concurrency), '1'], {
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        PYTHONPATH: install.packages,
        HF_HUB_OFFLINE: '1',
        PYTHONUNBUFFERED: '1',
        OMP_NUM_THREADS: '1',
      },
      stdio: ['pipe', 'pipe', 'pipe'],
      // Its own process group: a terminal's Ctrl-C reaches the parent, which drains the worker
      // before it closes the engine. If the parent dies, stdin closes and the engine exits.
      detached: true,
    });
    this.stderrTail = [];
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      this.stderrTail.push(...chunk.split('\n').filter(Boolean));
      this.stderrTail = this.stderrTail.slice(-5);
    });
    const lines = createInterface({ input: child.stdout });
    const ready = new Promise<void>((resolve, reject) => {
      const onExit = (code: number | null, signal: string | null) => {
        this.child = undefined;
        const why = `the speech engine exited (${signal ?? `code ${code}`})${this.stderrTail.length ? `: ${this.stderrTail.at(-1)!.slice(0, 200)}` : ''}`;
        reject(engineError(why, true));
        for (const p of this.pending.values()) p.reject(engineError(`${why}; the job is retried`, true));
        this.pending.clear();
      };
      child.once('exit', onExit);
      child.once('error', (err) => onExit(null, err.message));
      lines.on('line', (line) => {
        let msg: { ready?: boolean; error?: string } & Partial<EngineReply>;
        try {
          msg = JSON.parse(line);
        } catch {
          return;
        }
        if (msg.ready === true) return resolve();
        if (msg.ready === false) return reject(engineError(msg.error ?? 'the speech model could not be loaded', false));
        const waiting = msg.id ? this.pending.get(msg.id) : undefined;
        if (waiting) {
          this.pending.delete(msg.id!);
          waiting.resolve(msg as EngineReply);
        }
      });
    });
    try {
      await ready;
    } catch (err) {
      child.kill('SIGKILL');
      throw err;
    }
    this.child = child;
    return child;
  }

  async close(): Promise<void> {
    this.closed = true;
    const child = this.child ?? (await this.starting?.catch(() => undefined));
    if (!child) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.stdin.end(); // the engine finishes queued jobs and exits
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  }

  /** Jobs sent to the engine and not answered yet. */
  inFlight(): number {
    return this.pending.size;
  }

  pid(): number | undefined {
    return this.child?.pid;
  }
}

/** Jobs beyond `size` wait their turn (the activity heartbeats meanwhile, see activities/pipeline.ts). */
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

export type LocalSpeech = SpeechToTextPort & {
  /** Whether the engine is installed and its model loads (starts it if needed). */
  check(): Promise<{ ok: boolean; detail: string }>;
  close(): Promise<void>;
  /** The engine child's pid while it runs (tests kill it). */
  enginePid(): number | undefined;
  /** Jobs the engine is working on now (tests wait for one before killing it). */
  jobsInFlight(): number;
  /**
   * The text of one short utterance (8 kHz µ-law, cut by the caller's voice activity): greedy
   * decoding for the live receptionist; `prompt` biases it toward the names it should expect.
   */
  utterance(mulaw: Buffer, prompt?: string): Promise<string>;
};

/** The local speech engine. Nothing runs until the first job or check. */
export function createLocalSpeech(options: LocalSpeechOptions): LocalSpeech {
  const concurrency = options.concurrency ?? availableParallelism();
  const jobTimeoutMs = options.jobTimeoutMs ?? 15 * 60_000;
  const engine = new WhisperEngine({ ...options, concurrency, jobTimeoutMs });
  const inTurn = createTurns(concurrency);

  async function transcribe({
    audio,
    contentType,
    channels,
    keyterms,
  }: {
    audio: Buffer;
    contentType: string;
    channels: number;
    keyterms?: readonly string[];
  }): Promise<Transcript> {
    if (audio.length === 0) throw engineError('the recording is empty', false);
    let reply: EngineReply;
    try {
      await engine.start();
    } catch (err) {
      if (err instanceof SpeechEngineMissing) throw engineError(err.message, false);
      throw err;
    }
    try {
      await mkdir(options.workDir, { recursive: true, mode: 0o700 });
    } catch (err) {
      throw engineError(`cannot write to ${options.workDir} (${(err as NodeJS.ErrnoException).code})`, true);
    }
    const file = path.join(options.workDir, `${randomUUID()}.${/mpeg|mp3/.test(contentType) ? 'mp3' : 'wav'}`);
    await writeFile(file, audio, { mode: 0o600 });
    try {
      reply = await engine.run(
        file,
        channels,
        jobTimeoutMs,
        keyterms && keyterms.length > 0 ? { hotwords: keyterms.join(', ').slice(0, 400) } : {},
      );
    } catch (err) {
      if (err instanceof SpeechEngineMissing) throw engineError(err.message, false);
      throw err;
    } finally {
      await rm(file, { force: true });
      await engine.sweep();
    }
    if (!reply.ok) throw engineError(reply.error, reply.kind === 'engine');
    const speakers = reply.channels.length > 1 ? ['caller', 'owner'] : ['speaker_0'];
    const segments = mergeTurns(
      reply.channels.map((segs, i) => ({ speaker: speakers[i] ?? `speaker_${i}`, segments: segs })),
    );
    return {
      text: segments.map((s) => s.text).join(' '),
      segments,
      durationSeconds: reply.duration,
      model: engine.modelName(),
    };
  }

  async function utterance(mulaw: Buffer, prompt?: string): Promise<string> {
    await engine.start();
    await mkdir(options.workDir, { recursive: true, mode: 0o700 });
    const file = path.join(options.workDir, `${randomUUID()}.wav`);
    await writeFile(file, muLawWavOf(mulaw), { mode: 0o600 });
    try {
      const reply = await engine.run(file, 1, 30_000, { mode: 'utterance', prompt });
      if (!reply.ok) throw engineError(reply.error, reply.kind === 'engine');
      return (reply.channels[0] ?? []).map((s) => s.text).join(' ');
    } finally {
      await rm(file, { force: true });
    }
  }

  return {
    name: 'local',
    transcribe: (input) => inTurn(() => transcribe(input)),
    utterance: (mulaw, prompt) => inTurn(() => utterance(mulaw, prompt)),
    async check() {
      const install = await (options.locate ?? (() => findSpeechEngine()))();
      if (!install)
        return { ok: false, detail: new SpeechEngineMissing('faster-whisper is not in the tools folder').message };
      try {
        await engine.start();
        return { ok: true, detail: engine.modelName() };
      } catch (err) {
        return { ok: false, detail: (err as Error).message.slice(0, 300) };
      }
    },
    close: () => engine.close(),
    enginePid: () => engine.pid(),
    jobsInFlight: () => engine.inFlight(),
  };
}
