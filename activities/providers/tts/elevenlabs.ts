/** ElevenLabs text-to-speech on the official SDK (mp3), base URL and key from config. */
import { ElevenLabsClient } from '@elevenlabs/elevenlabs-js';
import { ProviderError, toProviderError } from '../errors.js';
import type { TextToSpeechPort } from './port.js';

export function createElevenLabsTextToSpeech(options: {
  apiKey: string;
  baseUrl?: string;
  voiceId: string;
  model?: string;
}): TextToSpeechPort {
  const client = new ElevenLabsClient({
    apiKey: options.apiKey,
    ...(options.baseUrl ? { baseUrl: options.baseUrl } : {}),
  });
  const model = options.model ?? 'eleven_multilingual_v2';
  return {
    name: 'elevenlabs',
    voice: `${options.voiceId}/${model}`,
    async synthesize(text) {
      let stream: ReadableStream<Uint8Array>;
      try {
        stream = await client.textToSpeech.convert(
          options.voiceId,
          { text, modelId: model, outputFormat: 'mp3_44100_128' },
          { maxRetries: 0, timeoutInSeconds: 15 },
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
      if (audio.length < 100)
        throw new ProviderError(`elevenlabs: ${audio.length} bytes is not audio`, false, 'elevenlabs');
      return { audio, contentType: 'audio/mpeg' };
    },
  };
}
