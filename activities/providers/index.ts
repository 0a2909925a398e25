/** Chooses each capability's implementation from config: the real vendor when its key is set, else the local engine. */
import { randomUUID } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createS3BlobStore } from './blob/s3.js';
import { createLocalBlobStore, type BlobStore } from './blob/store.js';
import { createOpenAIEmbeddings } from './embeddings/openai.js';
import { createLocalEmbeddings } from './embeddings/local.js';
import type { EmbeddingsPort } from './embeddings/port.js';
import { createAnthropicLanguage } from './language/anthropic.js';
import { createLocalLanguage } from './language/local.js';
import type { LanguagePort } from './language/port.js';
import { createDeepgramSpeech } from './speech/deepgram.js';
import { createLocalSpeech } from './speech/local.js';
import type { SpeechToTextPort } from './speech/port.js';
import { createLocalTelephony } from './telephony/local.js';
import type { TelephonyPort } from './telephony/port.js';
import { createTelnyxTelephony } from './telephony/telnyx.js';
import { createElevenLabsTextToSpeech } from './tts/elevenlabs.js';
import type { TextToSpeechPort } from './tts/port.js';

/** Where greeting audio is kept; the API serves it from the same folder. */
export const mediaDir = (dataDir: string) => path.join(dataDir, 'media');

export interface Providers {
  telephony: TelephonyPort;
  speech: SpeechToTextPort;
  language: LanguagePort;
  embeddings: EmbeddingsPort;
  blobs: BlobStore;
  /** Greeting audio; without it Call Control greets in Telnyx's own voice. */
  tts?: TextToSpeechPort;
  /** Greeting audio the API serves at /media/greetings/<name>. */
  media: BlobStore;
}

/**
 * What the providers are built from: the vendors' settings (a key selects the vendor), the data
 * folder the local engines write, and the stored vectors' size. The composition roots pass the
 * configuration's sections; nothing here reads the environment or the Config type.
 */
export interface ProviderSettings {
  dataDir: string;
  telnyx: {
    apiKey?: string;
    baseUrl?: string;
    voice: string;
    phoneNumber?: string;
    messagingProfileId?: string;
    connectionId?: string;
  };
  deepgram: { apiKey?: string; baseUrl?: string; model: string };
  speech: { localModelDir?: string };
  anthropic: { apiKey?: string; baseUrl?: string; model: string };
  embeddings: {
    provider: 'local' | 'openai' | 'voyage';
    apiKey?: string;
    baseUrl?: string;
    model: string;
    /** The stored vectors' size (the contract's EMBEDDING_DIM): vendors are asked for exactly this many. */
    dimensions: number;
  };
  elevenlabs: { apiKey?: string; baseUrl?: string; voiceId: string };
  s3?: Parameters<typeof createS3BlobStore>[0];
}

/** The embeddings engine: the vendor's when its key is set, else the local model. */
export function createEmbeddingsProvider(settings: Pick<ProviderSettings, 'embeddings'>): EmbeddingsPort {
  const { embeddings } = settings;
  return embeddings.provider !== 'local' && embeddings.apiKey
    ? createOpenAIEmbeddings({
        apiKey: embeddings.apiKey,
        baseUrl: embeddings.baseUrl,
        model: embeddings.model,
        provider: embeddings.provider,
        dimensions: embeddings.dimensions,
      })
    : createLocalEmbeddings();
}

/** Where recordings live: the S3-compatible bucket when configured, else the data folder. */
export function createRecordingStore(config: Pick<ProviderSettings, 's3' | 'dataDir'>): BlobStore {
  return config.s3 ? createS3BlobStore(config.s3) : createLocalBlobStore(path.join(config.dataDir, 'recordings'));
}

/** Every capability (the worker's needs); the API builds only embeddings and the recording store. */
export function createProviders(config: ProviderSettings): Providers {
  const { telnyx, deepgram, anthropic } = config;
  return {
    telephony: telnyx.apiKey
      ? createTelnyxTelephony({
          apiKey: telnyx.apiKey,
          baseUrl: telnyx.baseUrl,
          voice: telnyx.voice,
          fromNumber: telnyx.phoneNumber,
          messagingProfileId: telnyx.messagingProfileId,
          connectionId: telnyx.connectionId,
        })
      : createLocalTelephony(config.dataDir),
    speech: deepgram.apiKey
      ? createDeepgramSpeech({ apiKey: deepgram.apiKey, baseUrl: deepgram.baseUrl, model: deepgram.model })
      : createLocalSpeech({ workDir: path.join(config.dataDir, 'stt-work'), modelDir: config.speech.localModelDir }),
    language: anthropic.apiKey
      ? createAnthropicLanguage({ apiKey: anthropic.apiKey, baseUrl: anthropic.baseUrl, model: anthropic.model })
      : createLocalLanguage(),
    embeddings: createEmbeddingsProvider(config),
    blobs: createRecordingStore(config),
    tts: config.elevenlabs.apiKey
      ? createElevenLabsTextToSpeech({
          apiKey: config.elevenlabs.apiKey,
          baseUrl: config.elevenlabs.baseUrl,
          voiceId: config.elevenlabs.voiceId,
        })
      : undefined,
    media: createLocalBlobStore(mediaDir(config.dataDir)),
  };
}

type Check = () => Promise<{ ok: boolean; detail: string }>;

/**
 * Readiness checks of the engines a process runs (the speech and language engines where the worker
 * runs, the embeddings engine everywhere) and of the data folder the local engines write.
 */
export function engineChecks(
  providers: Pick<Providers, 'embeddings'> & Partial<Pick<Providers, 'speech' | 'language'>>,
  config: { dataDir: string },
): Record<string, Check> {
  const checks: Record<string, Check> = {};
  const { speech, language } = providers;
  if (speech) {
    checks.speech = speech.check ?? (async () => ({ ok: true, detail: `${speech.name} (vendor)` }));
  }
  if (language) {
    checks.language = async () => {
      if (language.name !== 'local') return { ok: true, detail: `${language.name} (vendor)` };
      // Starts the engine's thread (and loads its model) now rather than on the first call.
      await language.sentiment({ turns: [{ speaker: 'owner', text: 'ready' }] });
      return { ok: true, detail: 'local (summary and action-item rules over wink-nlp; own thread)' };
    };
  }
  checks.embeddings = async () => {
    if (providers.embeddings.name !== 'local')
      return { ok: true, detail: `${providers.embeddings.name} ${providers.embeddings.model} (vendor)` };
    await providers.embeddings.embed(['ready']);
    return { ok: true, detail: `local ${providers.embeddings.model}` };
  };
  checks.dataFolder = async () => {
    const probe = path.join(config.dataDir, `.ready-${randomUUID()}`);
    try {
      await mkdir(config.dataDir, { recursive: true });
      await writeFile(probe, 'ok');
      await rm(probe, { force: true });
      return { ok: true, detail: 'writable' };
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      return { ok: false, detail: code === 'ENOSPC' ? 'the disk is full' : `cannot be written (${code ?? 'error'})` };
    }
  };
  return checks;
}

/** The API's view of the embeddings provider: one query in, one vector out, with the model name. */
export function queryEmbedder(port: EmbeddingsPort) {
  return {
    model: port.model,
    async embed(text: string) {
      const [vector] = await port.embed([text]);
      if (!vector) throw new Error('embeddings provider returned no vector');
      return vector;
    },
  };
}
