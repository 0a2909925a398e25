/**
 * Bearer-token authentication for /api/*: constant-time comparison against every configured token,
 * and failed attempts throttled per client address (10 a minute; then 429 with Retry-After), so a
 * token cannot be guessed at network speed. This machine itself (loopback) is not throttled.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { getConnInfo } from '@hono/node-server/conninfo';
import type { Context, MiddlewareHandler } from 'hono';
import { errorBody } from './errors.js';

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

export function bearerAuth(tokens: readonly string[]): MiddlewareHandler {
  const matches = tokenMatcher(tokens);
  const failures = new Map<string, { count: number; since: number }>();
  return async (c, next) => {
    const address = clientAddress(c);
    // An address we cannot see (no socket) or this machine itself is not throttled.
    const throttled = address !== 'unknown' && !(address === '::1' || /^(::ffff:)?127\./.test(address));
    const now = Date.now();
    const seen = failures.get(address);
    if (seen && now - seen.since > WINDOW_MS) failures.delete(address);
    const current = failures.get(address);
    if (throttled && current && current.count >= MAX_FAILURES) {
      c.header('Retry-After', String(Math.ceil((current.since + WINDOW_MS - now) / 1000)));
      return c.json(errorBody(c, 'too_many_attempts', 'Too many failed authentication attempts; try again later'), 429);
    }
    const header = c.req.header('authorization') ?? '';
    const m = /^Bearer\s+(\S+)$/i.exec(header);
    if (!matches(m?.[1])) {
      if (throttled) {
        if (failures.size >= MAX_TRACKED) failures.clear(); // bounded memory under a flood of addresses
        failures.set(address, { count: (current?.count ?? 0) + 1, since: current?.since ?? now });
      }
      c.header('WWW-Authenticate', 'Bearer');
      return c.json(errorBody(c, 'unauthorized', m ? 'Invalid API token' : 'Missing Authorization: Bearer <token>'), 401);
    }
    await next();
  };
}
