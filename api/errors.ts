/** The one error envelope: `{ data: null, success: false, message, error: { code, requestId, fields? }, timestamp }`. */
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { AppEnv } from './env.js';
import { PhoneTaken, ReferenceMissing } from '../db/queries/errors.js';

export class ApiError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: string,
    message: string,
    readonly fields?: Record<string, string>,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export const notFound = (what: string) => new ApiError(404, 'not_found', `${what} not found`);

/** Successful envelope: `{ data, success: true, message?, timestamp }`. */
export function ok<T>(c: Context, data: T, message?: string, status: ContentfulStatusCode = 200) {
  return c.json({ data, success: true, ...(message ? { message } : {}), timestamp: new Date().toISOString() }, status);
}

/** List envelope: `data` is the page; `pagination.nextCursor` fetches the next one. */
export function page<T>(c: Context, items: T[], limit: number, nextCursor: string | null) {
  return c.json(
    {
      data: items,
      success: true,
      pagination: { limit, nextCursor, hasMore: nextCursor !== null },
      timestamp: new Date().toISOString(),
    },
    200,
  );
}

function errorBody(c: Context<AppEnv>, code: string, message: string, fields?: Record<string, string>) {
  return {
    data: null,
    success: false,
    message,
    error: { code, requestId: c.get('requestId'), ...(fields ? { fields } : {}) },
    timestamp: new Date().toISOString(),
  };
}

/** The PostgreSQL error code of a driver error, however wrapped. */
function pgCode(err: unknown): string | undefined {
  for (
    let e = err as { code?: unknown; cause?: unknown } | undefined, depth = 0;
    e && depth < 4;
    e = e.cause as typeof e, depth++
  ) {
    if (typeof e.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code)) return e.code;
  }
  return undefined;
}

/** gRPC UNAVAILABLE (14) or DEADLINE_EXCEEDED (4) from Temporal, however the SDK wrapped it. */
export function isTemporalUnavailable(err: unknown): boolean {
  for (
    let e = err as { code?: unknown; name?: string; cause?: unknown } | undefined, depth = 0;
    e && depth < 4;
    e = e.cause as typeof e, depth++
  ) {
    if (e.name === 'ConnectionError' || e.code === 14 || e.code === 4) return true;
  }
  return false;
}

/** The error envelope of `err` as a response: for the places that answer rather than throw (not-found and body-limit callbacks). */
export const errorResponse = (c: Context<AppEnv>, err: ApiError) =>
  c.json(errorBody(c, err.code, err.message, err.fields), err.status);

/** `app.onError`: maps every thrown error to the envelope; unknown errors are logged, never echoed. */
export function onError(log: (msg: string, f?: Record<string, unknown>) => void) {
  return (err: Error, c: Context<AppEnv>) => {
    if (err instanceof ApiError) return c.json(errorBody(c, err.code, err.message, err.fields), err.status);
    if (err instanceof ReferenceMissing)
      return c.json(errorBody(c, 'reference_not_found', err.message, { [err.field]: err.message }), 409);
    if (err instanceof PhoneTaken)
      return c.json(
        errorBody(c, 'conflict', err.message, {
          phone: err.otherId ? `belongs to contact ${err.otherId}` : 'already in use',
        }),
        409,
      );
    // Middleware that answers with its own response (bearer auth's envelope) throws it in an HTTPException.
    if (err instanceof HTTPException && err.res) return err.getResponse();
    if (err instanceof HTTPException) {
      const status = err.status as ContentfulStatusCode;
      const code =
        status === 401
          ? 'unauthorized'
          : status === 413
            ? 'payload_too_large'
            : status === 400
              ? 'bad_request'
              : 'http_error';
      return c.json(errorBody(c, code, err.message || 'request failed'), status);
    }
    if (pgCode(err) === '23503') {
      // A record the request refers to was deleted between our check and the write.
      return c.json(
        errorBody(c, 'reference_not_found', 'A record this request refers to does not exist (any more)'),
        409,
      );
    }
    if (isTemporalUnavailable(err)) {
      return c.json(errorBody(c, 'temporal_unavailable', 'The workflow engine is unavailable; retry shortly'), 503);
    }
    // Driver errors embed the whole statement and its parameters: log the cause, not the query.
    const cause = (err.cause as Error | undefined)?.message;
    log('unhandled error', {
      requestId: c.get('requestId'),
      path: c.req.path,
      error: (cause ?? err.message).slice(0, 300),
    });
    return c.json(errorBody(c, 'internal', 'Internal server error'), 500);
  };
}
