/**
 * Bearer-token authentication for /api/*: constant-time comparison against every configured token,
 * and failed attempts throttled per client address (10 a minute; then 429 with Retry-After), so a
 * token cannot be guessed at network speed. This machine itself (loopback) is not throttled.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { getConnInfo } from '@hono/node-server/conninfo';
import type { Context, MiddlewareHandler } from 'hono';
import { bearerAuth } from 'hono/bearer-auth';
import type { AppEnv } from './env.js';
import { ApiError, errorResponse } from './errors.js';
import { CSRF_HEADER, CSRF_VALUE, type Sessions } from './session.js';

const digest = (s: string) => createHash('sha256').update(s).digest();
const WINDOW_MS = 60_000;
const MAX_FAILURES = 10;
const MAX_TRACKED = 10_000;

function clientAddress(c: Context): string {
  try {
    return getConnInfo(c).remote.address ?? 'unknown';
  } catch {
    return 'unknown'; // not served by Node (app.request in tests)
  }
}

/** Whether a presented token is one of `tokens` (constant time per token). */
export function tokenMatcher(tokens: readonly string[]) {
  const digests = tokens.map(digest);
  return (presented: string | undefined) => {
    if (!presented) return false;
    const d = digest(presented);
    return digests.some((t) => timingSafeEqual(t, d));
  };
}

/**
 * Failed attempts per client address: after 10 in a minute, `blocked()` answers how many seconds to
 * wait. Shared by bearer authentication and the dashboard's sign-in.
 */
export function failureThrottle() {
  const failures = new Map<string, { count: number; since: number }>();
  const subject = (c: Context) => {
    const address = clientAddress(c);
    // An address we cannot see (no socket) or this machine itself is not throttled.
    return address === 'unknown' || address === '::1' || /^(::ffff:)?127\./.test(address) ? undefined : address;
  };
  return {
    /** Seconds to wait when this client is over the limit, else undefined. */
    blocked(c: Context): number | undefined {
      const address = subject(c);
      if (!address) return undefined;
      const now = Date.now();
      const seen = failures.get(address);
      if (seen && now - seen.since > WINDOW_MS) failures.delete(address);
      const current = failures.get(address);
      return current && current.count >= MAX_FAILURES ? Math.ceil((current.since + WINDOW_MS - now) / 1000) : undefined;
    },
    failed(c: Context) {
      const address = subject(c);
      if (!address) return;
      if (failures.size >= MAX_TRACKED) failures.clear(); // bounded memory under a flood of addresses
      const current = failures.get(address);
      failures.set(address, { count: (current?.count ?? 0) + 1, since: current?.since ?? Date.now() });
    },
  };
}

export const tooManyAttempts = (c: Context, retryAfter: number) => {
  c.header('Retry-After', String(retryAfter));
  throw new ApiError(429, 'too_many_attempts', 'Too many failed authentication attempts; try again later');
};

/**
 * Authentication for /api/*: Hono's bearer-auth middleware (tokens compared in constant time), or
 * (with `sessions`) the dashboard's session cookie; a cookie-authenticated request that changes
 * anything must carry the CSRF header. Failures answer the error envelope and count against the
 * client's address.
 */
export function apiAuth(tokens: readonly string[], sessions?: Sessions): MiddlewareHandler<AppEnv> {
  const matches = tokenMatcher(tokens);
  const throttle = failureThrottle();
  const deny = (message: string) => (c: Context<AppEnv>) => {
    throttle.failed(c);
    return errorResponse(c, new ApiError(401, 'unauthorized', message));
  };
  const missing = deny('Missing Authorization: Bearer <token> (or sign in to the dashboard)');
  const bearer = bearerAuth<AppEnv>({
    verifyToken: (token) => matches(token),
    noAuthenticationHeader: { message: missing, wwwAuthenticateHeader: 'Bearer' },
    invalidAuthenticationHeader: { message: missing, wwwAuthenticateHeader: 'Bearer' },
    invalidToken: { message: deny('Invalid API token'), wwwAuthenticateHeader: 'Bearer' },
  });
  return async (c, next) => {
    const wait = throttle.blocked(c);
    if (wait !== undefined) return tooManyAttempts(c, wait);
    if (!c.req.header('authorization') && sessions?.valid(c)) {
      if (!['GET', 'HEAD', 'OPTIONS'].includes(c.req.method) && c.req.header(CSRF_HEADER) !== CSRF_VALUE) {
        throw new ApiError(
          403,
          'forbidden',
          `A change made with a session cookie needs the header ${CSRF_HEADER}: ${CSRF_VALUE}`,
        );
      }
      return next();
    }
    return bearer(c, next);
  };
}
