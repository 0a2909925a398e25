/**
 * The API's composition root: its dependencies from Config and the parts a process already holds
 * (database, Temporal gateway, logger, codec). Used by `npm run api`, `npm start`, the tests and
 * the benchmarks, so each builds the app the same way. The API builds only the providers it uses:
 * the embeddings engine (search queries) and the recording store (the player).
 */
import type { KeyObject } from 'node:crypto';
import type { Config } from '../config.js';
import type { DatabaseHandle } from '../db/client.js';
import {
  createEmbeddingsProvider,
  createRecordingStore,
  engineChecks,
  mediaDir,
  queryEmbedder,
} from '../activities/providers/index.js';
import type { BlobStore } from '../activities/providers/blob/store.js';
import type { EmbeddingsPort } from '../activities/providers/embeddings/port.js';
import type { AppDeps } from './app.js';
import path from 'node:path';
import { createLocalSpeech } from '../activities/providers/speech/local.js';
import { createFliteVoice, createLocalRecognizer } from '../activities/providers/voice/local.js';
import { createAnthropicAnswerWriter } from '../activities/providers/language/anthropic-answers.js';
import { createClaudeConversation } from '../activities/providers/voice/claude.js';
import { createDeepgramLive } from '../activities/providers/voice/deepgram-live.js';
import { createElevenLabsPhoneVoice, withFallback } from '../activities/providers/voice/vendors.js';
import { createVoiceService, type VoiceService } from './voice/service.js';
import type { VoiceEngines } from './voice/session.js';
import { createInboxRelay } from './webhooks/telnyx/relay.js';
import type { WorkflowGateway } from '../temporal/gateway.js';
import type { Logger } from '../platform/logger.js';

export interface ApiParts {
  database: DatabaseHandle;
  gateway: WorkflowGateway;
  log: Logger;
  /** Verifies Telnyx's webhook signatures. */
  telnyxPublicKey: KeyObject;
  /** The engines when the process already has them (embedded mode shares the worker's). */
  embeddings?: EmbeddingsPort;
  recordings?: BlobStore;
  /** Wraps the receptionist's engines (tests hold a recognition back to reach a race). */
  voiceEngines?: (real: VoiceEngines) => VoiceEngines;
}

/**
 * The receptionist's engines in this process: Whisper tiny.en on utterances (its own engine child,
 * apart from the pipeline's, so a long recording never delays a caller) and Flite's 8 kHz voice.
 */
export function createReceptionistService(config: Config, parts: ApiParts): VoiceService {
  const localRecognizer = createLocalRecognizer(
    createLocalSpeech({
      workDir: path.join(config.dataDir, 'voice-work'),
      modelDir: config.speech.localModelDir,
      concurrency: 2,
    }),
  );
  const flite = createFliteVoice();
  const fellBack = (engine: string) => (err: Error) =>
    parts.log.warn('receptionist: vendor failed; the local engine answered', {
      engine,
      error: err.message.slice(0, 200),
    });
  const { deepgram, elevenlabs, anthropic } = config;
  const engines: VoiceEngines = {
    // Deepgram's live socket when configured; Whisper answers what it misses and after it fails.
    live: deepgram.apiKey
      ? createDeepgramLive({ apiKey: deepgram.apiKey, baseUrl: deepgram.baseUrl, model: deepgram.model })
      : undefined,
    recognizer: localRecognizer,
    voice: elevenlabs.apiKey
      ? withFallback(
          createElevenLabsPhoneVoice({
            apiKey: elevenlabs.apiKey,
            baseUrl: elevenlabs.baseUrl,
            voiceId: elevenlabs.voiceId,
          }),
          flite,
          2000,
          fellBack('elevenlabs'),
        )
      : flite,
  };
  return createVoiceService({
    db: parts.database.db,
    log: parts.log,
    engines: parts.voiceEngines?.(engines) ?? engines,
    milestone: milestoneSignals(parts),
    conversation: anthropic.apiKey
      ? createClaudeConversation({ apiKey: anthropic.apiKey, baseUrl: anthropic.baseUrl, model: anthropic.model })
      : undefined,
    settings: {
      ownerName: config.owner.name,
      timeZone: config.owner.timeZone,
      maxCallMs: config.receptionist.maxCallSeconds * 1000,
      endpointSilenceMs: config.receptionist.endpointSilenceMs,
      // The workflow gives up on the owner's leg after the ring time and its grace; this is later.
      ringOwnerMs: (config.receptionist.ringOwner.seconds + 25) * 1000,
    },
  });
}

/**
 * The receptionist's milestones to each call's workflow, in order per call, each retried a few times
 * while Temporal is away (the conversation itself is in the database; the workflow's wait for the
 * end is bounded, so a milestone that never arrives delays the pipeline, never loses the call).
 */
function milestoneSignals(parts: ApiParts): NonNullable<Parameters<typeof createVoiceService>[0]['milestone']> {
  const chains = new Map<string, Promise<void>>();
  return (callSessionId, m) => {
    const send = async () => {
      for (let attempt = 0; ; attempt++) {
        try {
          await parts.gateway.signalReceptionist(callSessionId, m);
          return;
        } catch (err) {
          if (attempt >= 4) {
            parts.log.warn('receptionist: the call workflow did not take a milestone', {
              milestone: m.kind,
              error: (err as Error).name,
            });
            return;
          }
          await new Promise((r) => setTimeout(r, 500 * 2 ** attempt));
        }
      }
    };
    const next = (chains.get(callSessionId) ?? Promise.resolve()).then(send);
    chains.set(callSessionId, next);
    if (m.kind === 'ended') void next.then(() => chains.get(callSessionId) === next && chains.delete(callSessionId));
  };
}

/** /ready's line for the receptionist: warms its engines (the model loads once) and names them. */
export function receptionistCheck(voice: VoiceService) {
  return async () => {
    try {
      await voice.warm();
      return { ok: true, detail: voice.engines() };
    } catch (err) {
      return { ok: false, detail: (err as Error).message.slice(0, 300) };
    }
  };
}

/** AppDeps from config; `overrides` replace any field (embedded mode's sessions and test call, tests' tokens). */
export function apiDeps(config: Config, parts: ApiParts, overrides: Partial<AppDeps> = {}): AppDeps {
  const embeddings = parts.embeddings ?? createEmbeddingsProvider(config);
  const relay =
    overrides.relay ??
    createInboxRelay(
      { db: parts.database.db, gateway: parts.gateway, log: parts.log },
      { retentionMs: config.http.inboxRetentionMs },
    );
  const voice = overrides.voice ?? (config.receptionist.enabled ? createReceptionistService(config, parts) : undefined);
  const embeddingChecks = engineChecks({ embeddings }, config);
  return {
    relay,
    database: parts.database,
    gateway: parts.gateway,
    log: parts.log,
    apiTokens: config.apiTokens,
    telnyxPublicKey: parts.telnyxPublicKey,
    maxWebhookBytes: config.http.maxWebhookBytes,
    publicBaseUrl: config.http.publicBaseUrl,
    ownerName: config.owner.name,
    streamBase: config.receptionist.streamBase,
    voice,
    region: config.owner.region,
    embedder: queryEmbedder(embeddings),
    timeZone: config.owner.timeZone,
    answerWriter: config.anthropic.apiKey
      ? createAnthropicAnswerWriter({
          apiKey: config.anthropic.apiKey,
          baseUrl: config.anthropic.baseUrl,
          model: config.anthropic.model,
        })
      : undefined,
    mediaDir: mediaDir(config.dataDir),
    recordings: parts.recordings ?? createRecordingStore(config),
    // The speech and language engines run in the workers; this process embeds search queries.
    engines: voice ? { ...embeddingChecks, receptionist: receptionistCheck(voice) } : embeddingChecks,
    codecUiOrigin: config.temporal.uiUrl,
    codecUiSecret: config.temporal.uiCodecSecret,
    trustedProxies: config.http.trustedProxies,
    temporalNamespace: config.temporal.namespace,
    ...overrides,
  };
}
