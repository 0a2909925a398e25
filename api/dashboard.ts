/**
 * The dashboard in the browser: its built files (from dashboard/, `npm run build`), its page paths
 * answered with the app shell, and sign-in (an API token exchanged for a session cookie; a one-time
 * link from the start banner).
 */
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { failureThrottle, tooManyAttempts, type ClientOf } from './auth.js';
import { ApiError, errorResponse, ok } from './errors.js';
import type { Sessions } from './session.js';
import { tokenMatcher } from '../platform/tokens.js';
import { matchPage } from '../contract/pages.js';

/** Where `npm run build` puts the dashboard. */
export const defaultDashboardDir = path.resolve(import.meta.dirname, '..', 'dashboard', 'dist');

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.json': 'application/json',
};

const NOT_BUILT = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Command Center</title></head>
<body style="font:16px system-ui;max-width:40em;margin:3em auto"><h1>Command Center</h1>
<p>The dashboard has not been built in this installation. Run <code>npm run build</code> (or <code>npm start</code>, which builds it), then reload.</p>
<p>The REST API is running: see <a href="/docs">/docs</a>.</p></body></html>`;

export function dashboardShell(o: {
  dir: string;
  sessions: Sessions;
  apiTokens: readonly string[];
  clientOf?: ClientOf;
}) {
  const app = new Hono();
  const matches = tokenMatcher(o.apiTokens);
  const throttle = failureThrottle(o.clientOf);

  // Sign-in bodies are one token: counted as they stream, refused past a few KB before any is kept.
  app.use(
    '/auth/*',
    bodyLimit({
      maxSize: 4096,
      onError: (c) => errorResponse(c, new ApiError(413, 'payload_too_large', 'body over 4096 bytes')),
    }),
  );
  // Sign-in: { token } in, a session cookie out. Failures are throttled like bearer tokens.
  app.post('/auth/session', async (c) => {
    if (!/^application\/json\b/i.test(c.req.header('content-type') ?? ''))
      throw new ApiError(400, 'validation_failed', 'Send { "token": "..." } as JSON', { token: 'required' });
    const body = (await c.req.json().catch(() => null)) as { token?: unknown } | null;
    const token = typeof body?.token === 'string' ? body.token.trim() : '';
    if (!token) throw new ApiError(400, 'validation_failed', 'Enter an API token', { token: 'required' });
    if (!matches(token)) {
      // A right token always signs in; only failures count, and past the limit they get 429.
      const wait = throttle.blocked(c);
      if (wait !== undefined) return tooManyAttempts(c, wait);
      throttle.failed(c);
      throw new ApiError(401, 'unauthorized', "That is not one of this server's API tokens");
    }
    await o.sessions.start(c);
    return ok(c, { signedIn: true }, 'Signed in');
  });
  app.delete('/auth/session', async (c) => {
    await o.sessions.end(c);
    return ok(c, { signedIn: false }, 'Signed out');
  });
  // The start banner's link: a one-time code for this machine's browser.
  app.get('/auth/link', async (c) => {
    const code = c.req.query('code') ?? '';
    if (!o.sessions.redeemLinkCode(code)) return c.redirect('/signin?link=expired', 302);
    await o.sessions.start(c);
    return c.redirect('/', 302);
  });

  // Hashed build output: the name changes with the content, so it can be cached for a year.
  app.get('/assets/:name', async (c) => {
    const name = c.req.param('name');
    const type = TYPES[path.extname(name)];
    if (!/^[\w.-]+$/.test(name) || !type) throw new ApiError(404, 'not_found', 'No such asset');
    try {
      const body = await readFile(path.join(o.dir, 'assets', name));
      return c.body(new Uint8Array(body), 200, {
        'content-type': type,
        'cache-control': 'public, max-age=31536000, immutable',
      });
    } catch {
      throw new ApiError(404, 'not_found', 'No such asset');
    }
  });
  app.get('/favicon.svg', async (c) => {
    const body = await readFile(path.join(o.dir, 'favicon.svg')).catch(() => undefined);
    return body
      ? c.body(new Uint8Array(body), 200, { 'content-type': TYPES['.svg']!, 'cache-control': 'public, max-age=86400' })
      : c.notFound();
  });

  // Every page path answers the app shell, which routes in the browser.
  app.get('*', async (c, next) => {
    // The dashboard's own page paths (contract/pages.ts); anything else stays a 404 of the API.
    if (!matchPage(c.req.path)) return next();
    const index = path.join(o.dir, 'index.html');
    const built = await stat(index).catch(() => undefined);
    const html = built ? await readFile(index, 'utf8') : NOT_BUILT;
    return c.html(html, 200, {
      'cache-control': 'no-cache',
      'content-security-policy':
        "default-src 'self'; img-src 'self' data:; media-src 'self'; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'same-origin',
    });
  });
  return app;
}
