/** The REST API: every resource's routes on one OpenAPIHono, plus `/openapi.json` and `/docs`. */
import { z } from '@hono/zod-openapi';
import { renderDocs } from '../docs.js';
import { calendarRoutes } from './calendar.js';
import { taskRoutes } from './tasks.js';
import { contactRoutes } from './contacts.js';
import { dashboardRoutes } from './dashboard.js';
import type { ApiDeps } from './deps.js';
import { forgetRoutes } from './forget.js';
import { messageRoutes } from './messages.js';
import { notificationRoutes } from './notifications.js';
import { ownerRoutes } from './owner.js';
import { createApiApp, envelope, ErrorEnvelope, json, operationIdOf, tightenDocument } from './openapi.js';
import { phoneRecordRoutes } from './phone-records.js';
import { searchRoutes } from './search.js';
import { askRoutes } from './ask.js';
import { setupRoutes } from './setup.js';

export type { ApiDeps, QueryEmbedder } from './deps.js';

const DESCRIPTION =
  'Self-hosted call intelligence: contacts and caller ID, the call log with transcripts and summaries, relationship scores with insights, tasks, calendar, search and the notification inbox. ' +
  'Every response uses the envelope `{ data, success, message?, timestamp }`; errors add `error: { code, requestId, fields? }`. ' +
  'Send `Authorization: Bearer <token>` on every /api route. Lists are keyset-paged: pass `pagination.nextCursor` back as `cursor`.';

const ReadySchema = z.object({
  status: z.enum(['ready', 'degraded', 'unavailable']).openapi({
    description:
      '`degraded`: Temporal or the workers cannot be reached; webhooks are still taken into the inbox and relayed when they are back',
  }),
  failed: z.array(z.string()),
  checks: z.record(
    z.string(),
    z.object({
      status: z.enum(['ok', 'unavailable']),
      detail: z.string().optional().openapi({ description: 'Why, with a valid API token only' }),
      pending: z.number().int().optional().openapi({ description: 'inbox: events not yet handed to Temporal' }),
      oldestSeconds: z.number().optional().openapi({ description: 'inbox: age of the oldest of them' }),
    }),
  ),
});

/** Paths served by the outer app, documented here so the document describes the whole surface. */
function documentOuterRoutes(api: ReturnType<typeof createApiApp>) {
  const plain = (path: string, summary: string, tag: string, method: 'get' | 'post' = 'get') =>
    api.openAPIRegistry.registerPath({
      method,
      path,
      summary,
      tags: [tag],
      operationId: operationIdOf(method, path),
      responses: { 200: { description: 'OK' } },
    });
  api.openAPIRegistry.registerPath({
    method: 'get',
    path: '/health',
    tags: ['Operations'],
    summary: 'Liveness',
    operationId: 'getHealth',
    responses: { 200: json(z.object({ status: z.literal('ok') }), 'Process is up') },
  });
  api.openAPIRegistry.registerPath({
    method: 'get',
    path: '/ready',
    tags: ['Operations'],
    summary:
      'Readiness: database, the webhook inbox, Temporal, a worker polling, and the engines this configuration selects',
    operationId: 'getReady',
    responses: {
      200: json(
        ReadySchema,
        'Webhooks are taken: every part works (`ready`), or only Temporal or the workers do not (`degraded`)',
      ),
      503: json(ReadySchema, 'A part this process cannot work without fails; `failed` names it and its check says why'),
    },
  });
  api.openAPIRegistry.registerPath({
    method: 'post',
    path: '/auth/session',
    tags: ['Sign-in'],
    summary: 'Dashboard sign-in: an API token in, an httpOnly SameSite=Strict session cookie out',
    operationId: 'postAuthSession',
    request: {
      body: {
        content: { 'application/json': { schema: z.object({ token: z.string().max(500).regex(/\S/) }) } },
        required: true,
      },
    },
    responses: {
      200: json(envelope(z.object({ signedIn: z.boolean() })), 'Signed in; the cookie is set'),
      400: json(ErrorEnvelope, 'No token given'),
      401: json(ErrorEnvelope, 'Not a token of this server'),
      413: json(ErrorEnvelope, 'Body over 4 KB'),
      429: json(ErrorEnvelope, 'Too many failed attempts'),
    },
  });
  api.openAPIRegistry.registerPath({
    method: 'delete',
    path: '/auth/session',
    tags: ['Sign-in'],
    summary: 'Sign out: revokes the session and clears the cookie',
    operationId: 'deleteAuthSession',
    responses: { 200: json(envelope(z.object({ signedIn: z.boolean() })), 'Signed out') },
  });
  for (const [path, summary] of [
    [
      '/webhooks/telnyx/voice',
      'Telnyx Call Control events (JSON) and TeXML instruction fetches (form); Ed25519-signed',
    ],
    ['/webhooks/telnyx/status', 'TeXML call-progress callbacks; signed'],
    ['/webhooks/telnyx/recording', 'TeXML recording-status callbacks; signed'],
    ['/webhooks/telnyx/fallback', 'TeXML fallback: apology and voicemail, needs neither database nor Temporal'],
    ['/webhooks/telnyx/messaging', 'message.received / sent / finalized; signed'],
  ] as const)
    plain(path, summary, 'Telnyx webhooks', 'post');
}

const documents = new WeakMap<object, () => Record<string, unknown>>();

/**
 * The methods a path answers to, from the OpenAPI document (plus the undocumented GET pages), so
 * a request with another method gets 405 and `Allow` instead of 404.
 */
export function allowedMethods(api: object): (path: string) => string[] {
  let table: { re: RegExp; methods: string[] }[] | undefined;
  return (path) => {
    table ??= [
      ...Object.entries((documents.get(api)!().paths ?? {}) as Record<string, Record<string, unknown>>).map(
        ([p, ops]) => ({
          re: new RegExp(`^${p.replace(/\{[^}]+\}/g, '[^/]+')}$`),
          methods: Object.keys(ops).map((m) => m.toUpperCase()),
        }),
      ),
      ...['/', '/docs', '/openapi.json', '/media/greetings/[^/]+', '/auth/link', '/assets/[^/]+', '/favicon.svg'].map(
        (p) => ({ re: new RegExp(`^${p}$`), methods: ['GET'] }),
      ),
    ];
    // A literal path (`/api/contacts/from-caller`) wins over a template that also matches it.
    const matches = table.filter((t) => t.re.test(path));
    const literal = matches.filter((t) => !t.re.source.includes('[^/]+'));
    const methods = (literal.length ? literal : matches).flatMap((t) => t.methods);
    return [...new Set(methods.flatMap((m) => (m === 'GET' ? ['GET', 'HEAD'] : [m])))];
  };
}

export function createRestApi(deps: ApiDeps) {
  const api = createApiApp();
  api.openAPIRegistry.registerComponent('securitySchemes', 'bearer', {
    type: 'http',
    scheme: 'bearer',
    description: 'One of API_TOKENS',
  });
  contactRoutes(api, deps);
  phoneRecordRoutes(api, deps);
  messageRoutes(api, deps);
  notificationRoutes(api, deps);
  ownerRoutes(api, deps);
  forgetRoutes(api, deps);
  taskRoutes(api, deps);
  calendarRoutes(api, deps);
  dashboardRoutes(api, deps);
  searchRoutes(api, deps);
  askRoutes(api, deps);
  setupRoutes(api, deps);
  documentOuterRoutes(api);

  let cached: Record<string, unknown> | undefined;
  const document = () => {
    if (!cached) {
      cached = api.getOpenAPIDocument({
        openapi: '3.0.3',
        info: { title: 'Command Center', version: '1.0.0', description: DESCRIPTION },
      }) as unknown as Record<string, unknown>;
      tightenDocument(cached);
    }
    return cached;
  };
  api.get('/openapi.json', (c) => c.json(document()));
  documents.set(api, document);
  api.get('/docs', (c) => c.html(renderDocs(document())));
  return api;
}
