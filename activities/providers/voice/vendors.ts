/**
 * The receptionist's vendor engines, each with the local engine behind it: a vendor that fails or
 * is slow for one utterance or sentence is replaced by the local engine for that one (a vendor
 * outage never leaves a caller in silence).
 * - ElevenLabs (official SDK): `textToSpeech.stream` with `eleven_flash_v2_5` and `ulaw_8000`, the
 *   bytes Telnyx's PCMU stream takes as they are.
 * Deepgram's live socket is `deepgram-live.ts` (its fallback is the session's, per utterance).
 */
import { ElevenLabsClient } from '@elevenlabs/elevenlabs-js';
import { ProviderError, toProviderError } from '../errors.js';
import type { PhoneVoice, UtteranceRecognizer } from './port.js';

export function createElevenLabsPhoneVoice(o: { apiKey: string; baseUrl?: string; voiceId: string }): PhoneVoice {
  const client = new ElevenLabsClient({ apiKey: o.apiKey, ...(o.baseUrl ? { baseUrl: o.baseUrl } : {}) });
  return {
    name: 'elevenlabs:eleven_flash_v2_5',
    async synthesize(text) {
      let stream: ReadableStream<Uint8Array>;
      try {
        stream = await client.textToSpeech.stream(
          o.voiceId,
          { text, modelId: 'eleven_flash_v2_5', outputFormat: 'ulaw_8000' },
          { maxRetries: 0, timeoutInSeconds: 5 },
        );
      } catch (err) {
        throw toProviderError('elevenlabs', err);
      }
      const chunks: Uint8Array[] = [];
      const reader = stream.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        chunks.push(value);
      }
      const audio = Buffer.concat(chunks);
      if (audio.length < 160) throw new ProviderError('elevenlabs: no audio', true, 'elevenlabs');
      return audio;
    },
    warm: async () => undefined,
    close: async () => undefined,
  };
}

/** `primary`, and `fallback` for any call of it that fails or takes longer than `timeoutMs`. */
export function withFallback<T extends PhoneVoice | UtteranceRecognizer>(
  primary: T,
  fallback: T,
  timeoutMs: number,
  onFallback: (err: Error) => void,
): T {
  const guarded =
    <A extends unknown[], R>(fn: (...a: A) => Promise<R>, local: (...a: A) => Promise<R>) =>
    async (...a: A): Promise<R> => {
      let timer: NodeJS.Timeout | undefined;
      try {
        return await Promise.race([
          fn(...a),
          new Promise<never>((_, reject) => {
            timer = setTimeout(() => reject(new Error(`${primary.name} took over ${timeoutMs} ms`)), timeoutMs);
          }),
        ]);
      } catch (err) {
        onFallback(err as Error);
        return local(...a);
      } finally {
        clearTimeout(timer);
      }
    };
  const both = async (f: 'warm' | 'close') => {
    await Promise.all([primary[f](), fallback[f]()]);
  };
  if ('synthesize' in primary) {
    const p = primary as PhoneVoice;
    const l = fallback as PhoneVoice;
    return {
      name: `${p.name} (${l.name} as fallback)`,
      synthesize: guarded(p.synthesize.bind(p), l.synthesize.bind(l)),
      warm: () => both('warm'),
      close: () => both('close'),
    } satisfies PhoneVoice as T;
  }
  const p = primary as UtteranceRecognizer;
  const l = fallback as UtteranceRecognizer;
  return {
    name: `${p.name} (${l.name} as fallback)`,
    recognize: guarded(p.recognize.bind(p), l.recognize.bind(l)),
    warm: () => both('warm'),
    close: () => both('close'),
  } satisfies UtteranceRecognizer as T;
}
