/** The HTTP app: health, Telnyx webhooks and the REST API, built from its dependencies. */
import { randomUUID } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Hono } from 'hono';
import type { Logger } from '../config.js';
import type { DatabaseHandle } from '../db/client.js';
import { bearerAuth } from './auth.js';
import { errorBody, onError } from './errors.js';
import type { CountryCode } from 'libphonenumber-js';
import { createRestApi, type QueryEmbedder } from './routes/index.js';
import type { WorkflowGateway } from './temporal.js';
import { telnyxWebhooks } from './webhooks/telnyx/routes.js';

export interface AppDeps {
  database: DatabaseHandle;
  gateway: WorkflowGateway;
  log: Logger;
  apiTokens: readonly string[];
  telnyxPublicKey: KeyObject;
  maxWebhookBytes: number;
  publicBaseUrl: string;
  ownerName: string;
  aiServiceHost?: string;
  /** Default region for phone numbers written without a country code. */
  region: CountryCode;
  /** Embeds search queries with the model the pipeline stores passages with. */
  embedder: QueryEmbedder;
  /** Folder of greeting audio the worker synthesised (served to Telnyx at /media/greetings/). */
  mediaDir?: string;
}

const withTimeout = <T>(p: Promise<T>, ms: number) =>
  Promise.race([p, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms).unref())]);

export function createApp(deps: AppDeps) {
  const app = new Hono<{ Variables: { requestId: string } }>();
  app.use('*', async (c, next) => {
    const requestId = c.req.header('x-request-id')?.slice(0, 100) || randomUUID();
    c.set('requestId', requestId);
    c.header('x-request-id', requestId);
    await next();
  });
  app.onError(onError(deps.log.error));
  app.notFound((c) => c.json(errorBody(c, 'not_found', `No route for ${c.req.method} ${c.req.path}`), 404));

  app.get('/health', (c) => c.json({ status: 'ok' }));
  app.get('/ready', async (c) => {
    const checks = await Promise.allSettled([withTimeout(deps.database.ping(), 3000), withTimeout(deps.gateway.ping(), 3000)]);
    const [dbCheck, temporalCheck] = checks;
    const parts = {
      database: dbCheck?.status === 'fulfilled' ? 'ok' : `failed: ${(dbCheck as PromiseRejectedResult).reason?.message ?? 'error'}`,
      temporal: temporalCheck?.status === 'fulfilled' ? 'ok' : `failed: ${(temporalCheck as PromiseRejectedResult).reason?.message ?? 'error'}`,
    };
    const failed = Object.entries(parts).filter(([, v]) => v !== 'ok').map(([k]) => k);
    return c.json({ status: failed.length ? 'unavailable' : 'ready', failed, checks: parts }, failed.length ? 503 : 200);
  });

  app.route(
    '/webhooks/telnyx',
    telnyxWebhooks({
      publicKey: deps.telnyxPublicKey,
      gateway: deps.gateway,
      db: deps.database.db,
      log: deps.log,
      maxBytes: deps.maxWebhookBytes,
      publicBaseUrl: deps.publicBaseUrl,
      ownerName: deps.ownerName,
      aiServiceHost: deps.aiServiceHost,
      region: deps.region,
    }),
  );

  // Greeting audio for Telnyx playback: public (Telnyx fetches it), names are content hashes.
  app.get('/media/greetings/:name', async (c) => {
    const name = c.req.param('name');
    if (!deps.mediaDir || !/^[0-9a-f]{64}\.mp3$/.test(name)) return c.json(errorBody(c, 'not_found', 'No such greeting'), 404);
    try {
      const audio = await readFile(path.join(deps.mediaDir, 'greetings', name));
      return c.body(new Uint8Array(audio), 200, { 'content-type': 'audio/mpeg', 'cache-control': 'public, max-age=86400' });
    } catch {
      return c.json(errorBody(c, 'not_found', 'No such greeting'), 404);
    }
  });

  app.use('/api/*', bearerAuth(deps.apiTokens));
  const parallelism = deps.database.kind === 'postgres' ? Math.max(1, Math.min(4, availableParallelism(), (deps.database.pool?.options.max ?? 2) - 1)) : 1;
  app.route('/', createRestApi({ db: deps.database.db, gateway: deps.gateway, region: deps.region, embedder: deps.embedder, parallelism }));
  return app;
}

export type App = ReturnType<typeof createApp>;
