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
}

/** AppDeps from config; `overrides` replace any field (embedded mode's sessions and test call, tests' tokens). */
export function apiDeps(config: Config, parts: ApiParts, overrides: Partial<AppDeps> = {}): AppDeps {
  const embeddings = parts.embeddings ?? createEmbeddingsProvider(config);
  const relay = createInboxRelay(
    { db: parts.database.db, gateway: parts.gateway, log: parts.log },
    { retentionMs: config.http.inboxRetentionMs },
  );
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
    aiServiceHost: config.telnyx.aiServiceHost,
    region: config.owner.region,
    embedder: queryEmbedder(embeddings),
    mediaDir: mediaDir(config.dataDir),
    recordings: parts.recordings ?? createRecordingStore(config),
    // The speech and language engines run in the workers; this process embeds search queries.
    engines: engineChecks({ embeddings }, config),
    codecUiOrigin: config.temporal.uiUrl,
    codecUiSecret: config.temporal.uiCodecSecret,
    trustedProxies: config.http.trustedProxies,
    temporalNamespace: config.temporal.namespace,
    ...overrides,
  };
}
