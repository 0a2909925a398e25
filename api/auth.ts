/**
 * Bearer-token authentication for /api/*: constant-time comparison against every configured token,
 * and failed attempts throttled per client address (10 a minute; then 429 with Retry-After), so a
 * token cannot be guessed at network speed. Valid credentials are never refused: only failures
 * count, and only a client over the limit gets 429 for its next failure. The client address is
 * the socket peer, or, when the peer is a trusted proxy (`TRUSTED_PROXIES`), the right-most
 * address in X-Forwarded-For that is not one. This machine itself (loopback, directly) is not throttled.
 */
import { tokenMatcher } from '../platform/tokens.js';
import { BlockList, isIP } from 'node:net';
import { getConnInfo } from '@hono/node-server/conninfo';
import type { Context, MiddlewareHandler } from 'hono';
import { bearerAuth } from 'hono/bearer-auth';
import type { AppEnv } from './env.js';
import { ApiError, errorResponse } from './errors.js';
import { CSRF_HEADER, CSRF_VALUE, type Sessions } from './session.js';

const WINDOW_MS = 60_000;
const MAX_FAILURES = 10;
const MAX_TRACKED = 10_000;

/** Who a request comes from, for throttling: an address, or undefined when not to throttle. */
export type ClientOf = (c: Context) => string | undefined;

const isLoopback = (a: string) => a === '::1' || /^(::ffff:)?127\./.test(a);
const bare = (a: string) => a.replace(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/, '$1');

/**
 * The client address as `TRUSTED_PROXIES` (addresses or CIDR ranges, comma-separated) allows:
 * X-Forwarded-For is read only when the peer is a trusted proxy, from the right, skipping trusted hops.
 * @throws Error naming an entry that is not an address or range.
 */
export function clientAddressOf(trustedProxies: readonly string[] = []): ClientOf {
  const trusted = new BlockList();
  for (const entry of trustedProxies) {
    const [address, bits] = entry.split('/');
    const family = isIP(address ?? '');
    if (!family || (bits !== undefined && !/^\d{1,3}$/.test(bits)))
      throw new Error(`TRUSTED_PROXIES: ${entry} is not an IP address or CIDR range`);
    const type = family === 6 ? 'ipv6' : 'ipv4';
    if (bits === undefined) trusted.addAddress(address!, type);
    else trusted.addSubnet(address!, Number(bits), type);
  }
  const isTrusted = (a: string) => {
    const b = bare(a);
    const family = isIP(b);
    return family !== 0 && trusted.check(b, family === 6 ? 'ipv6' : 'ipv4');
  };
  return (c) => {
    let peer: string;
    try {
      peer = getConnInfo(c).remote.address ?? '';
    } catch {
      return undefined; // not served by Node (app.request in tests): nothing to throttle by
    }
    if (!peer) return undefined;
    if (!isTrusted(peer)) return isLoopback(peer) ? undefined : bare(peer);
    const hops = (c.req.header('x-forwarded-for') ?? '')
      .split(',')
      .map((h) => h.trim())
      .filter(Boolean);
    for (let i = hops.length - 1; i >= 0; i--) if (!isTrusted(hops[i]!)) return bare(hops[i]!);
    // Only trusted hops (the proxy's own requests): this machine's, not throttled when loopback.
    return isLoopback(peer) ? undefined : bare(peer);
  };
}

/**
 * Failed attempts per client address: after 10 in a minute, `blocked()` answers how many seconds to
 * wait. Shared by bearer authentication and the dashboard's sign-in; asked only after a failure.
 */
export function failureThrottle(clientOf: ClientOf = clientAddressOf()) {
  const failures = new Map<string, { count: number; since: number }>();
  return {
    /** Seconds to wait when this client is over the limit, else undefined. */
    blocked(c: Context): number | undefined {
      const address = clientOf(c);
      if (!address) return undefined;
      const now = Date.now();
      const seen = failures.get(address);
      if (seen && now - seen.since > WINDOW_MS) failures.delete(address);
      const current = failures.get(address);
      return current && current.count >= MAX_FAILURES ? Math.ceil((current.since + WINDOW_MS - now) / 1000) : undefined;
    },
    failed(c: Context) {
      const address = clientOf(c);
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
export function apiAuth(
  tokens: readonly string[],
  o: { sessions?: Sessions; clientOf?: ClientOf } = {},
): MiddlewareHandler<AppEnv> {
  const matches = tokenMatcher(tokens);
  const throttle = failureThrottle(o.clientOf);
  // A failure: 429 when this client is already over the limit, else counted and 401.
  const deny = (message: string) => (c: Context<AppEnv>) => {
    const wait = throttle.blocked(c);
    if (wait !== undefined) return tooManyAttempts(c, wait);
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
    if (!c.req.header('authorization') && (await o.sessions?.valid(c))) {
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
