/**
 * Browser sessions for the dashboard: an API token is exchanged once for an httpOnly,
 * SameSite=Strict cookie, so no script in the page ever holds the token. The cookie is signed with
 * a key derived from the configured tokens, so restarting with new tokens revokes every session.
 * A request authenticated by the cookie that changes anything must also carry
 * `X-Requested-With: command-center` (a header a cross-site form cannot send). Each session is a
 * row in the database: signing out ends it in every API process and across restarts, and a session
 * unused for SESSION_IDLE_MS ends by itself.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import type { Database } from '../db/client.js';
import { createSession, revokeSession, useSession } from '../db/queries/sessions.js';

export const SESSION_COOKIE = 'cc_session';
export const CSRF_HEADER = 'x-requested-with';
export const CSRF_VALUE = 'command-center';
/** How long a browser stays signed in at most. */
export const SESSION_TTL_MS = 12 * 60 * 60 * 1000;
/** A session unused this long ends (the overview refreshes every minute while it is open). */
export const SESSION_IDLE_MS = 2 * 60 * 60 * 1000;
/** How long the start banner's one-time link works. */
const LINK_TTL_MS = 15 * 60 * 1000;

export interface Sessions {
  /** Records a new session and sets its cookie on the response. */
  start(c: Context): Promise<void>;
  /** Whether the request carries a valid cookie of a live session (not revoked, expired or idle). */
  valid(c: Context): Promise<boolean>;
  /** Revokes the request's session (everywhere) and clears the cookie. */
  end(c: Context): Promise<void>;
  /** A one-time sign-in code for the start banner (valid once, for 15 minutes). */
  issueLinkCode(): string;
  /** Whether a code is a live one-time code; using it spends it. */
  redeemLinkCode(code: string): boolean;
}

export function createSessions(
  apiTokens: readonly string[],
  o: { secureCookies: boolean; db: Database; idleMs?: number },
): Sessions {
  const key = createHash('sha256').update('command-center session\0').update(apiTokens.join('\0')).digest();
  const sign = (payload: string) => createHmac('sha256', key).update(payload).digest('base64url');
  const idOf = (nonce: string) => createHash('sha256').update(nonce).digest('hex');
  const links = new Map<string, number>();

  const parse = (value: string | undefined) => {
    const m = /^(\d{10,16})\.([A-Za-z0-9_-]{16,64})\.([A-Za-z0-9_-]{43})$/.exec(value ?? '');
    if (!m) return undefined;
    const [, expires, nonce, mac] = m;
    const expected = Buffer.from(sign(`${expires}.${nonce}`));
    if (expected.length !== mac!.length || !timingSafeEqual(expected, Buffer.from(mac!))) return undefined;
    if (Number(expires) < Date.now()) return undefined;
    return { nonce: nonce!, expires: Number(expires) };
  };
  const secure = (c: Context) => o.secureCookies || new URL(c.req.url).protocol === 'https:';
  const sweep = (m: Map<string, number>) => {
    const now = Date.now();
    for (const [k, until] of m) if (until < now) m.delete(k);
  };

  return {
    async start(c) {
      const expires = Date.now() + SESSION_TTL_MS;
      const nonce = randomBytes(18).toString('base64url');
      await createSession(o.db, idOf(nonce), new Date(expires));
      setCookie(c, SESSION_COOKIE, `${expires}.${nonce}.${sign(`${expires}.${nonce}`)}`, {
        httpOnly: true,
        sameSite: 'Strict',
        secure: secure(c),
        path: '/',
        maxAge: Math.floor(SESSION_TTL_MS / 1000),
      });
    },
    async valid(c) {
      const session = parse(getCookie(c, SESSION_COOKIE));
      return session !== undefined && (await useSession(o.db, idOf(session.nonce), o.idleMs ?? SESSION_IDLE_MS));
    },
    async end(c) {
      const session = parse(getCookie(c, SESSION_COOKIE));
      if (session) await revokeSession(o.db, idOf(session.nonce));
      deleteCookie(c, SESSION_COOKIE, { path: '/', secure: secure(c), httpOnly: true, sameSite: 'Strict' });
    },
    issueLinkCode() {
      sweep(links);
      const code = randomBytes(24).toString('base64url');
      links.set(code, Date.now() + LINK_TTL_MS);
      return code;
    },
    redeemLinkCode(code) {
      const until = links.get(code);
      links.delete(code);
      return until !== undefined && until >= Date.now();
    },
  };
}
