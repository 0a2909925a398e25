/** Deepgram prerecorded transcription (nova-3) on the official SDK. */
import { z } from 'zod';
import { ProviderError, toProviderError } from '../errors.js';
import type { SpeechToTextPort, SpeechSegment } from './port.js';

const responseSchema = z.object({
  metadata: z.object({ duration: z.number().optional() }).passthrough().optional(),
  results: z
    .object({
      channels: z.array(
        z.object({ alternatives: z.array(z.object({ transcript: z.string() }).passthrough()).min(1) }).passthrough(),
      ),
      utterances: z
        .array(
          z
            .object({
              start: z.number(),
              end: z.number(),
              transcript: z.string(),
              channel: z.number().optional(),
              speaker: z.number().optional(),
            })
            .passthrough(),
        )
        .optional(),
    })
    .passthrough(),
});

export function createDeepgramSpeech(options: { apiKey: string; baseUrl?: string; model: string }): SpeechToTextPort {
  return {
    name: 'deepgram',
    async transcribe({ audio, contentType, channels, keyterms }) {
      const sdk = await import('@deepgram/sdk');
      const client = new (sdk as unknown as { DeepgramClient: new (o: unknown) => DeepgramLike }).DeepgramClient({
        apiKey: options.apiKey,
        ...(options.baseUrl ? { baseUrl: options.baseUrl } : {}),
      });
      let raw: unknown;
      try {
        raw = await client.listen.v1.media.transcribeFile(
          audio,
          {
            model: options.model,
            smart_format: true,
            utterances: true,
            punctuate: true,
            ...(channels > 1 ? { multichannel: true } : { diarize: true }),
            // Nova-3 keyterm prompting: the names this call should contain.
            ...(keyterms && keyterms.length > 0 ? { keyterm: [...keyterms].slice(0, 50) } : {}),
          },
          { headers: { 'Content-Type': contentType }, maxRetries: 0, timeoutInSeconds: 600 },
        );
      } catch (err) {
        throw toProviderError('deepgram', err);
      }
      const body = (raw as { data?: unknown })?.data ?? raw;
      const parsed = responseSchema.safeParse(body);
      if (!parsed.success)
        throw new ProviderError('deepgram: response did not match the expected schema', false, 'deepgram');
      const r = parsed.data.results;
      const segments: SpeechSegment[] = (r.utterances ?? []).map((u) => ({
        speaker: channels > 1 ? (u.channel === 0 ? 'caller' : 'owner') : `speaker_${u.speaker ?? 0}`,
        startMs: Math.round(u.start * 1000),
        endMs: Math.round(u.end * 1000),
        text: u.transcript,
      }));
      const text =
        segments.length > 0
          ? segments.map((s) => s.text).join(' ')
          : r.channels.map((c) => c.alternatives[0]!.transcript).join(' ');
      return { text, segments, durationSeconds: parsed.data.metadata?.duration, model: options.model };
    },
  };
}

interface DeepgramLike {
  listen: {
    v1: { media: { transcribeFile(audio: Buffer, params: Record<string, unknown>, opts?: unknown): Promise<unknown> } };
  };
}
