/**
 * The REST API's plumbing: an OpenAPIHono whose routes are declared with zod (so `/openapi.json`
 * is generated from the same schemas that validate requests), one validation hook producing the
 * error envelope, and the shared schemas every resource uses.
 */
import { OpenAPIHono, z, type RouteConfig } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { ApiError } from '../errors.js';
import type { AppEnv } from '../env.js';

export type { AppEnv };
export type ApiApp = OpenAPIHono<AppEnv>;

/** Field name -> first problem, for the 400 envelope. */
export function fieldErrors(
  issues: readonly { path: readonly PropertyKey[]; message: string }[],
): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const issue of issues) {
    const key = issue.path.map(String).join('.') || '(body)';
    fields[key] ??= issue.message;
  }
  return fields;
}

export function createApiApp(): ApiApp {
  return new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (!result.success) {
        const fields = fieldErrors(result.error.issues);
        throw new ApiError(
          400,
          'validation_failed',
          `Invalid ${result.target}: ${Object.keys(fields).join(', ')}`,
          fields,
        );
      }
    },
  });
}

type Out<T> = T extends z.ZodType ? z.output<T> : undefined;
type Req<R extends RouteConfig> = NonNullable<R['request']>;
type JsonBody<R extends RouteConfig> =
  Req<R> extends { body: { content: { 'application/json': { schema: infer S } } } } ? Out<S> : undefined;

/** The validated inputs of a route, typed from its declaration. */
export interface RouteInput<R extends RouteConfig> {
  params: Out<Req<R>['params']>;
  query: Out<Req<R>['query']>;
  body: JsonBody<R>;
}

/** Text from outside with lone UTF-16 surrogates replaced (U+FFFD): the database cannot store them. */
export function wellFormed<T>(value: T): T {
  if (typeof value === 'string') return (value as unknown as { toWellFormed(): string }).toWellFormed() as T;
  if (Array.isArray(value)) return value.map(wellFormed) as T;
  if (value && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, wellFormed(v)])) as T;
  }
  return value;
}

/**
 * Register a route: the handler gets the validated inputs and returns a Response (built with
 * `ok()`/`page()`), while the declared zod schemas document the responses in `/openapi.json`.
 */
export function route<R extends RouteConfig>(
  app: ApiApp,
  config: R,
  handler: (c: Context<AppEnv>, input: RouteInput<R>) => Promise<Response>,
) {
  const has = (k: string) => Boolean((config.request as Record<string, unknown> | undefined)?.[k]);
  // The query parameters this route declares: any other is refused (a misspelt filter would
  // otherwise be ignored and answer unfiltered).
  const declared = new Set(
    Object.keys((config.request as { query?: { shape?: Record<string, unknown> } } | undefined)?.query?.shape ?? {}),
  );
  const bodyRequired = Boolean((config.request as { body?: { required?: boolean } } | undefined)?.body?.required);
  app.openapi({ ...config, operationId: config.operationId ?? operationIdOf(config.method, config.path) }, ((
    c: Context<AppEnv>,
  ) => {
    // The validator skips a body sent without a JSON content type; a required body must be there.
    if (bodyRequired && !/^application\/json\b/i.test(c.req.header('content-type') ?? '')) {
      throw new ApiError(400, 'validation_failed', 'This request needs a JSON body (Content-Type: application/json)', {
        body: 'required',
      });
    }
    // From the URL itself: Hono's query parser drops a parameter with an empty name.
    const unknown = [...new Set(new URL(c.req.url).searchParams.keys())].filter((k) => !declared.has(k));
    if (unknown.length) {
      const names = unknown.map((k) => k || '(empty name)');
      throw new ApiError(
        400,
        'validation_failed',
        `Unknown query parameter${names.length > 1 ? 's' : ''}: ${names.join(', ')}`,
        Object.fromEntries(names.map((n) => [n, 'not a parameter of this route'])),
      );
    }
    const valid = (target: string) => (c.req.valid as (t: string) => unknown).call(c.req, target);
    return handler(c, {
      params: (has('params') ? wellFormed(valid('param')) : undefined) as RouteInput<R>['params'],
      query: (has('query') ? wellFormed(valid('query')) : undefined) as RouteInput<R>['query'],
      body: (has('body') ? wellFormed(valid('json')) : undefined) as RouteInput<R>['body'],
    });
  }) as never);
}

/**
 * A stable, unique operationId from method and path, for generated clients:
 * `get /api/contacts/{id}/relationship-score` -> `getContactsByIdRelationshipScore`.
 */
export function operationIdOf(method: string, path: string): string {
  const pascal = (w: string) =>
    w
      .split(/[-_]/)
      .filter(Boolean)
      .map((p) => p[0]!.toUpperCase() + p.slice(1))
      .join('');
  const parts = path
    .replace(/^\/(api\/)?/, '')
    .split('/')
    .filter(Boolean)
    .map((seg) => (seg.startsWith('{') ? `By${pascal(seg.slice(1, -1))}` : pascal(seg)));
  return `${method.toLowerCase()}${parts.join('')}`;
}

// ---- shared schemas -------------------------------------------------------------------------

export const ErrorEnvelope = z
  .object({
    data: z.null(),
    success: z.literal(false),
    message: z.string(),
    error: z.object({
      code: z.string().openapi({ example: 'validation_failed' }),
      requestId: z.string().optional(),
      fields: z.record(z.string(), z.string()).optional(),
    }),
    timestamp: z.string(),
  })
  .openapi('Error');

/** `{ data, success, message?, timestamp }`: the envelope of every route (the original API's), which the dashboard reads. */
export const envelope = <T extends z.ZodType>(data: T) =>
  z.object({ data, success: z.literal(true), message: z.string().optional(), timestamp: z.string() });

export const Pagination = z
  .object({ limit: z.number().int(), nextCursor: z.string().nullable(), hasMore: z.boolean() })
  .openapi('Pagination');

/** A list envelope: `data` stays an array; the keyset cursor rides beside it. */
export const pageEnvelope = <T extends z.ZodType>(item: T) =>
  envelope(z.array(item)).extend({ pagination: Pagination });

export const json = (schema: z.ZodType, description: string) => ({
  content: { 'application/json': { schema } },
  description,
});

export const errors = {
  400: json(ErrorEnvelope, 'Invalid input; `error.fields` names each field'),
  401: json(ErrorEnvelope, 'Missing or invalid bearer token'),
};
export const notFoundResponse = { 404: json(ErrorEnvelope, 'No such resource') };
export const conflictResponse = {
  409: json(ErrorEnvelope, 'Conflicts with an existing resource (`error.fields` says which)'),
};

/** Responses of a route returning `data` in the envelope, plus the usual errors. */
export const responses = (
  data: z.ZodType,
  description: string,
  status: 200 | 201 | 202 = 200,
  withNotFound = false,
) => ({
  [status]: json(envelope(data), description),
  ...errors,
  ...(withNotFound ? notFoundResponse : {}),
});

export const jsonBody = <T extends z.ZodType>(schema: T) => ({
  body: { content: { 'application/json': { schema } }, required: true },
});

export const IdParam = z.object({
  id: z
    .string()
    .max(100)
    .openapi({ param: { name: 'id', in: 'path' }, example: '3f1c2b9e-8d7a-4c1e-9f00-1a2b3c4d5e6f' }),
});

export const PageQuery = {
  limit: z.coerce.number().int().min(1).max(200).default(50).openapi({ description: 'Page size (1-200)' }),
  cursor: z.string().max(500).optional().openapi({ description: 'The `pagination.nextCursor` of the previous page' }),
};

/** Offsets PostgreSQL accepts (and every real time zone has): at most ±15:59. */
const sane = (v: string) => {
  const m = /([+-])(\d{2}):?(\d{2})$/.exec(v);
  return (!m || Number(m[2]) <= 15) && Number.isFinite(Date.parse(v)) && /^[1-9]\d{3}-/.test(v);
};
/** An ISO date or date-time (with an offset of at most ±15:59). */
export const isoDateTime = () =>
  z.iso
    .datetime({ offset: true })
    .or(z.iso.date())
    .refine(sane, 'must be an ISO 8601 date or date-time in the years 1000-9999, with an offset of at most ±15:59');
/** Optional ISO date-time query parameter. */
export const isoDate = () => isoDateTime().optional();

export const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Path ids that cannot exist are a 404 like unknown ones. */
export const isUuid = (id: string) => uuidPattern.test(id);

type Schema = Record<string, unknown>;
const NO_NUL = '^[^\\u0000]*$';
const NOT_BLANK = '^[^\\u0000]*[^\\s\\u0000][^\\u0000]*$';
const DATE = '^[1-9]\\d{3}-\\d\\d-\\d\\d$';
const DATE_TIME = '^[1-9]\\d{3}-\\d\\d-\\d\\dT\\d\\d:\\d\\d(:\\d\\d(\\.\\d+)?)?(Z|[+-](0\\d|1[0-5]):[0-5]\\d)$';

/**
 * Say in the document what the validators enforce beyond what zod-to-OpenAPI writes: text never
 * holds NUL (PostgreSQL cannot store it), required text is not blank, offsets are at most ±15:59,
 * and a nullable union is `nullable` rather than an "anything" branch.
 */
export function tightenDocument(node: unknown): void {
  if (Array.isArray(node)) return node.forEach(tightenDocument);
  if (!node || typeof node !== 'object') return;
  const s = node as Schema;
  for (const key of ['anyOf', 'oneOf'] as const) {
    const branches = s[key] as Schema[] | undefined;
    if (Array.isArray(branches) && branches.some((b) => Object.keys(b).length === 1 && b.nullable === true)) {
      s[key] = branches
        .filter((b) => !(Object.keys(b).length === 1 && b.nullable === true))
        .map((b) => ({ ...b, nullable: true }));
    }
  }
  if (s.type === 'string' && !s.enum) {
    if (s.format === 'date-time') s.pattern = DATE_TIME;
    else if (s.format === 'date') s.pattern = DATE;
    else if (s.pattern === '\\S') s.pattern = NOT_BLANK;
    else if (s.pattern === undefined && s.format === undefined) s.pattern = NO_NUL;
  }
  for (const value of Object.values(s)) tightenDocument(value);
}
