/** Bearer-token authentication for /api/*; constant-time comparison against every configured token. */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import { errorBody } from './errors.js';

const digest = (s: string) => createHash('sha256').update(s).digest();

export function bearerAuth(tokens: readonly string[]): MiddlewareHandler {
  const digests = tokens.map(digest);
  return async (c, next) => {
    const header = c.req.header('authorization') ?? '';
    const m = /^Bearer\s+(\S+)$/i.exec(header);
    const presented = m ? digest(m[1]!) : undefined;
    if (!presented || !digests.some((d) => timingSafeEqual(d, presented))) {
      c.header('WWW-Authenticate', 'Bearer');
      return c.json(errorBody(c, 'unauthorized', m ? 'Invalid API token' : 'Missing Authorization: Bearer <token>'), 401);
    }
    await next();
  };
}
