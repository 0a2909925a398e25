/** The HTTP app: health, Telnyx webhooks and the REST API, built from its dependencies. */
import type { KeyObject } from 'node:crypto';
import { createAdaptorServer, type ServerType } from '@hono/node-server';
import { availableParallelism } from 'node:os';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { PayloadCodec } from '@temporalio/common';
import { Hono, type MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { requestId } from 'hono/request-id';
import { secureHeaders } from 'hono/secure-headers';
import { routePath } from 'hono/route';
import { httpDuration, httpRequests, metricsContentType, metricsText } from '../platform/metrics.js';
import type { AppEnv } from './env.js';
import type { DatabaseHandle } from '../db/client.js';
import { apiAuth, clientAddressOf } from './auth.js';
import { codecServer } from './codec-server.js';
import { ApiError, errorResponse, onError } from './errors.js';
import type { CountryCode } from 'libphonenumber-js';
import { allowedMethods, createRestApi, type QueryEmbedder } from './routes/index.js';
import type { WorkflowGateway } from '../temporal/gateway.js';
import { telnyxWebhooks } from './webhooks/telnyx/routes.js';
import type { InboxRelay } from './webhooks/telnyx/relay.js';
import type { BlobStore } from '../activities/providers/blob/store.js';
import { createSessions, type Sessions } from './session.js';
import { dashboardShell, defaultDashboardDir } from './dashboard.js';
import type { Logger } from '../platform/logger.js';
import type { VoiceService } from './voice/service.js';
import { tokenMatcher } from '../platform/tokens.js';
import type { AnswerWriter } from './ask/types.js';
import { mcpHandler } from './mcp/http.js';

export interface AppDeps {
  database: DatabaseHandle;
  gateway: WorkflowGateway;
  /**
   * Hands the webhook inbox to Temporal. The process that serves the app starts it (`relay.start()`)
   * and stops it before closing Temporal's connection.
   */
  relay: InboxRelay;
  log: Logger;
  /** The level of the one line logged per HTTP request (production: info; embedded: debug). */
  accessLogLevel?: 'info' | 'debug';
  apiTokens: readonly string[];
  telnyxPublicKey: KeyObject;
  maxWebhookBytes: number;
  publicBaseUrl: string;
  ownerName: string;
  /** Where Telnyx opens the receptionist's media stream: ws(s)://host. */
  streamBase: string;
  /**
   * The live receptionist (RECEPTIONIST=on): answered calls stream to it. The process serving the
   * app attaches it to its HTTP server (`voice.attach(server)`) and closes it when it stops.
   */
  voice?: VoiceService;
  /** Default region for phone numbers written without a country code. */
  region: CountryCode;
  /** Embeds search queries with the model the pipeline stores passages with. */
  embedder: QueryEmbedder;
  /** The owner's time zone (answers' dates and ranges). */
  timeZone?: string;
  /** Claude writing answers across calls (with an Anthropic key). */
  answerWriter?: AnswerWriter;
  /** Folder of greeting audio the worker synthesised (served to Telnyx at /media/greetings/). */
  mediaDir?: string;
  /**
   * The engines this configuration selects, each checked for /ready (the speech, language and
   * embeddings engines; the data folder in embedded mode): ok, or unavailable with a reason.
   */
  engines?: Record<string, EngineCheck>;
  /**
   * The payload codec, served as Temporal's remote codec (`/codec/encode`, `/codec/decode`) so the
   * Temporal UI shows decrypted payloads to the operator while the server stores ciphertext.
   */
  codec?: PayloadCodec;
  /** The Temporal UI's origin (CORS for the codec endpoint), e.g. http://localhost:8233. */
  codecUiOrigin?: string;
  /**
   * The Temporal UI's own codec path secret: the UI calls `/codec/ui/<secret>/decode` without a
   * token (it cannot send one); nothing else is authorised without a token, whatever its Origin.
   */
  codecUiSecret?: string;
  /** Proxies whose X-Forwarded-For names the client (addresses or CIDR ranges): `TRUSTED_PROXIES`. */
  trustedProxies?: readonly string[];
  /** Where the pipeline stored recordings, for the dashboard's player (/api/phone-records/{id}/recording). */
  recordings?: BlobStore;
  /** The built dashboard (default dashboard/dist). */
  dashboardDir?: string;
  /** Browser sessions (created here when not given; embedded mode passes its own to print a sign-in link). */
  sessions?: Sessions;
  /** Whether TELNYX_PUBLIC_KEY was configured, or a development key generated (embedded mode). */
  telnyxKeySource?: 'configured' | 'development';
  /** The Temporal namespace, for links to a call's run in the Temporal UI. */
  temporalNamespace?: string;
  /** The Setup page's test call (embedded mode with the development key). */
  testCall?: () => Promise<{ callSessionId: string }>;
  /** "Talk to your receptionist" from the browser (embedded mode with the development key). */
  talkCall?: {
    talk(): Promise<{ callSessionId: string; streamPath: string }>;
    hangUp(callSessionId: string): Promise<void>;
  };
}

/** Parts whose absence /ready reports as `degraded`, not unavailable: the inbox takes their events meanwhile. */
const RELAYED_PARTS = new Set(['temporal', 'worker']);

/** The largest REST request body (the biggest real one, a contact with notes, is a few KB). */
export const API_MAX_BODY_BYTES = 1024 * 1024;

/** One readiness check; `ok: false` with a one-line reason. */
export type EngineCheck = () => Promise<{ ok: boolean; detail: string }>;

/** Repeated /ready calls reuse a check's answer for a few seconds (some checks start engines). */
function cached(check: EngineCheck, ms = 5_000): EngineCheck {
  let last: { at: number; value: Promise<{ ok: boolean; detail: string }> } | undefined;
  return () => {
    if (!last || Date.now() - last.at > ms)
      last = { at: Date.now(), value: check().catch((err: Error) => ({ ok: false, detail: err.message })) };
    return last.value;
  };
}

/** How long an unauthenticated /ready reuses the last checks. */
export const READY_CACHE_MS = 2_000;

const withTimeout = <T>(p: Promise<T>, ms: number) =>
  Promise.race([
    p,
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms).unref()),
  ]);

export function createApp(deps: AppDeps) {
  const app = new Hono<AppEnv>();
  // Who a request comes from, for the authentication throttle (X-Forwarded-For only from trusted proxies).
  const clientOf = clientAddressOf(deps.trustedProxies);
  // The caller's X-Request-Id when it is a plain token of at most 100 characters, else a new UUID.
  app.use('*', requestId({ limitLength: 100 }));
  // Every answer (JSON, errors, /docs, the dashboard) is neither sniffed nor framed; the dashboard
  // shell adds its own Content-Security-Policy.
  app.use(
    '*',
    secureHeaders({
      xFrameOptions: 'DENY',
      referrerPolicy: 'same-origin',
      // Over plain http (embedded on this machine) browsers ignore it; behind Caddy it holds.
      strictTransportSecurity: 'max-age=31536000; includeSubDomains',
    }),
  );
  app.onError(onError(deps.log.error));
  // Metrics and the access log: one line per request, labelled by route pattern (never the path,
  // which can carry ids), with the status the client got.
  const accessLog = deps.log[deps.accessLogLevel ?? 'debug'];
  app.use('*', async (c, next) => {
    const started = performance.now();
    await next();
    const seconds = (performance.now() - started) / 1000;
    // After next(), the route index is the handler that answered.
    const route = routePath(c) || 'unmatched';
    const method = c.req.method;
    const status = c.res.status;
    httpRequests.inc({ method, route, status: String(status) });
    httpDuration.observe({ method, route }, seconds);
    accessLog('http request', {
      requestId: c.get('requestId'),
      method,
      route,
      status,
      ms: Math.round(seconds * 10_000) / 10,
    });
  });
  const parallelism =
    deps.database.kind === 'postgres'
      ? Math.max(1, Math.min(4, availableParallelism(), (deps.database.pool?.options.max ?? 2) - 1))
      : 1;
  const rest = createRestApi({
    db: deps.database.db,
    gateway: deps.gateway,
    region: deps.region,
    embedder: deps.embedder,
    timeZone: deps.timeZone ?? 'UTC',
    answerWriter: deps.answerWriter,
    parallelism,
    recordings: deps.recordings,
    testCall: deps.testCall,
    talkCall: deps.talkCall,
    setup: {
      publicBaseUrl: deps.publicBaseUrl,
      telnyxKeySource: deps.telnyxKeySource ?? 'configured',
      temporalUi: deps.codecUiOrigin,
      temporalNamespace: deps.temporalNamespace ?? 'default',
    },
  });
  const sessions =
    deps.sessions ??
    createSessions(deps.apiTokens, {
      secureCookies: deps.publicBaseUrl.startsWith('https:'),
      db: deps.database.db,
    });
  const allowed = allowedMethods(rest);
  app.notFound((c) => {
    const methods = allowed(c.req.path);
    if (methods.length > 0 && !methods.includes(c.req.method)) {
      c.header('allow', methods.join(', '));
      return errorResponse(
        c,
        new ApiError(
          405,
          'method_not_allowed',
          `${c.req.method} is not supported on ${c.req.path}; use ${methods.join(', ')}`,
        ),
      );
    }
    return errorResponse(c, new ApiError(404, 'not_found', `No route for ${c.req.method} ${c.req.path}`));
  });

  app.get('/health', (c) => c.json({ status: 'ok' }));
  const engines = Object.entries(deps.engines ?? {}).map(([name, check]) => [name, cached(check)] as const);
  const isOperator = tokenMatcher(deps.apiTokens);
  app.get('/ready', async (c) => {
    // Reasons name hosts, ports and driver errors: logged, and shown only to a holder of a token.
    const authorized =
      isOperator(/^Bearer\s+(\S+)$/i.exec(c.req.header('authorization') ?? '')?.[1]) || (await sessions.valid(c));
    // Anyone may ask: without a token, the checks run at most once per READY_CACHE_MS (a flood of
    // unauthenticated /ready costs no more database round trips or Temporal calls than that).
    const now = Date.now();
    if (authorized || !readyCache || now - readyCache.at > READY_CACHE_MS)
      readyCache = { at: now, results: runChecks() };
    const results = await readyCache.results;
    const checks = Object.fromEntries(
      results.map(([name, r]) => [
        name,
        { status: r.ok ? 'ok' : 'unavailable', ...(authorized ? { detail: r.detail } : {}), ...r.figures },
      ]),
    );
    const failed = results.filter(([, r]) => !r.ok).map(([name]) => name);
    if (failed.length)
      deps.log.warn(
        'not ready',
        Object.fromEntries(results.filter(([, r]) => !r.ok).map(([name, r]) => [name, r.detail])),
      );
    // Temporal and the workers are needed to process calls, not to take them: while they are away
    // the webhooks still commit to the inbox, so a load balancer keeps sending (200, `degraded`).
    const blocking = failed.filter((name) => !RELAYED_PARTS.has(name));
    const status = blocking.length ? 'unavailable' : failed.length ? 'degraded' : 'ready';
    return c.json({ status, failed, checks }, blocking.length ? 503 : 200);
  });
  let readyCache: { at: number; results: ReturnType<typeof runChecks> } | undefined;
  function runChecks() {
    type Result = { ok: boolean; detail: string; figures?: Record<string, number> };
    const settle = async (name: string, check: () => Promise<Result>) => {
      try {
        return [name, await withTimeout(check(), 3000)] as const;
      } catch (err) {
        return [name, { ok: false, detail: (err as Error).message.split('\n')[0]!.slice(0, 200) } as Result] as const;
      }
    };
    return Promise.all([
      settle('database', async () => (await deps.database.ping(), { ok: true, detail: deps.database.kind })),
      settle('inbox', async () => {
        const { pending, oldestSeconds } = await deps.relay.stats();
        const oldest = Math.round(oldestSeconds * 10) / 10;
        return {
          ok: true,
          detail: `${pending} pending, oldest ${oldest} s`,
          figures: { pending, oldestSeconds: oldest },
        };
      }),
      settle('temporal', async () => (await deps.gateway.ping(), { ok: true, detail: 'frontend answers' })),
      settle('worker', async () => {
        const pollers = await deps.gateway.workerPollers();
        return pollers > 0
          ? { ok: true, detail: `${pollers} poller(s) on the task queue` }
          : { ok: false, detail: 'no worker is polling the task queue' };
      }),
      ...engines.map(([name, check]) => settle(name, check)),
    ]);
  }

  // Prometheus metrics (API token required: they describe traffic and errors).
  app.get('/metrics', apiAuth(deps.apiTokens, { clientOf }), async (c) =>
    c.body(await metricsText(), 200, { 'content-type': metricsContentType }),
  );

  // The dashboard (at /) and its sign-in.
  app.route(
    '/',
    dashboardShell({ dir: deps.dashboardDir ?? defaultDashboardDir, sessions, apiTokens: deps.apiTokens, clientOf }),
  );

  app.route(
    '/webhooks/telnyx',
    telnyxWebhooks({
      publicKey: deps.telnyxPublicKey,
      relay: deps.relay,
      db: deps.database.db,
      log: deps.log,
      maxBytes: deps.maxWebhookBytes,
      publicBaseUrl: deps.publicBaseUrl,
      ownerName: deps.ownerName,
      streamBase: deps.streamBase,
      voice: deps.voice,
      region: deps.region,
    }),
  );

  // Greeting audio for Telnyx playback: public (Telnyx fetches it), names are content hashes.
  app.get('/media/greetings/:name', async (c) => {
    const name = c.req.param('name');
    if (!deps.mediaDir || !/^[0-9a-f]{64}\.mp3$/.test(name)) throw new ApiError(404, 'not_found', 'No such greeting');
    try {
      const audio = await readFile(path.join(deps.mediaDir, 'greetings', name));
      return c.body(new Uint8Array(audio), 200, {
        'content-type': 'audio/mpeg',
        'cache-control': 'public, max-age=86400',
      });
    } catch {
      throw new ApiError(404, 'not_found', 'No such greeting');
    }
  });

  if (deps.codec)
    app.route(
      '/codec',
      codecServer(deps.codec, {
        apiTokens: deps.apiTokens,
        clientOf,
        uiOrigin: deps.codecUiOrigin,
        uiSecret: deps.codecUiSecret,
      }),
    );

  // MCP for assistants: the API token only (no browser session), the REST API's own rules inside.
  app.all(
    '/mcp',
    apiAuth(deps.apiTokens, { clientOf }),
    mcpHandler((req) => app.fetch(req)),
  );

  app.use('/api/*', apiAuth(deps.apiTokens, { sessions, clientOf }));
  // REST bodies are small JSON: counted as they stream, refused past the limit.
  app.use(
    '/api/*',
    bodyLimit({
      maxSize: API_MAX_BODY_BYTES,
      onError: (c) => errorResponse(c, new ApiError(413, 'payload_too_large', `body over ${API_MAX_BODY_BYTES} bytes`)),
    }),
  );
  app.use('/api/*', rejectNulBytes);
  app.route('/', rest);
  return app;
}

/** NUL cannot be stored in PostgreSQL text: a request carrying one is a 400, not a failed statement. */
const rejectNulBytes: MiddlewareHandler = async (c, next) => {
  const nul = (field: string) =>
    new ApiError(400, 'validation_failed', `${field} contains a NUL character`, {
      [field]: 'contains a NUL character',
    });
  for (const [name, values] of Object.entries(c.req.queries()))
    if (values.some((v) => v.includes('\u0000'))) throw nul(name);
  if (c.req.path.includes('\u0000') || /%00/.test(c.req.url)) throw nul('path');
  if (c.req.method !== 'GET' && c.req.method !== 'HEAD' && /json/i.test(c.req.header('content-type') ?? '')) {
    const text = await c.req.text(); // cached by Hono for the validator
    if (text.includes('\\u0000') || text.includes('\u0000')) throw nul('body');
  }
  await next();
};

export type App = ReturnType<typeof createApp>;

/**
 * Timeouts of the HTTP server: a client that trickles its headers or body cannot hold a
 * connection (and its memory) open for long.
 */
export function hardenServer(server: {
  headersTimeout: number;
  requestTimeout: number;
  keepAliveTimeout: number;
}): void {
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  server.keepAliveTimeout = 5_000;
}

/**
 * Connections the kernel queues while the process is busy (capped by `net.core.somaxconn`). Node's
 * default is 511: a burst beyond it had its SYNs dropped, and the client tried again 1 s, 3 s, 7 s
 * later (the multi-second webhook tails under load were these retries).
 */
export const LISTEN_BACKLOG = 4096;

/** The app's HTTP server, listening with LISTEN_BACKLOG and the timeouts of hardenServer. */
export function listenApp(
  fetch: App['fetch'],
  at: { port: number; hostname: string },
  onListening?: (port: number) => void,
): ServerType {
  const server = createAdaptorServer({ fetch });
  hardenServer(server as unknown as Parameters<typeof hardenServer>[0]);
  server.listen({ port: at.port, host: at.hostname, backlog: LISTEN_BACKLOG }, () => {
    const address = server.address();
    onListening?.(typeof address === 'object' && address ? address.port : at.port);
  });
  return server;
}
