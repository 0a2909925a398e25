/**
 * Temporal's remote codec protocol (`POST /codec/encode`, `POST /codec/decode`, body
 * `{ payloads: [{ metadata: { key: base64 }, data: base64 }] }`, optional `X-Namespace`), so the
 * Temporal UI shows decrypted payloads. Who may call it: a holder of an API token, or the Temporal
 * UI through its own secret path (it has no way to send a token).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { Hono, type Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { cors } from 'hono/cors';
import { apiAuth, type ClientOf } from './auth.js';
import type { AppEnv } from './env.js';
import { ApiError, errorResponse } from './errors.js';

interface JsonPayload {
  metadata?: Record<string, string>;
  data?: string;
}

const fromJson = (p: JsonPayload): Payload => ({
  metadata: Object.fromEntries(
    Object.entries(p.metadata ?? {}).map(([k, v]) => [k, new Uint8Array(Buffer.from(v, 'base64'))]),
  ),
  data: new Uint8Array(Buffer.from(p.data ?? '', 'base64')),
});
const toJson = (p: Payload): JsonPayload => ({
  metadata: Object.fromEntries(
    Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v ?? new Uint8Array()).toString('base64')]),
  ),
  data: Buffer.from(p.data ?? new Uint8Array()).toString('base64'),
});

/** Codec requests are payload lists: refused past this size as they stream, before anything else. */
export const CODEC_MAX_BODY_BYTES = 4 * 1024 * 1024;

/**
 * `/codec/encode|decode` with an API token (bearer), and `/codec/ui/<uiSecret>/encode|decode` for
 * the Temporal UI, which cannot send a token: the secret is made at each start and given only to
 * the UI's codec endpoint setting. No request is authorised by its Origin.
 */
export function codecServer(
  codec: PayloadCodec,
  o: { apiTokens: readonly string[]; clientOf?: ClientOf; uiOrigin?: string; uiSecret?: string },
) {
  const app = new Hono<AppEnv>();
  app.use(
    '*',
    bodyLimit({
      maxSize: CODEC_MAX_BODY_BYTES,
      onError: (c) =>
        errorResponse(c, new ApiError(413, 'payload_too_large', `body over ${CODEC_MAX_BODY_BYTES} bytes`)),
    }),
  );
  if (o.uiOrigin) {
    app.use(
      '*',
      cors({
        origin: o.uiOrigin,
        allowMethods: ['POST', 'OPTIONS'],
        allowHeaders: ['content-type', 'x-namespace', 'authorization'],
        credentials: true,
        maxAge: 600,
      }),
    );
  }
  const handle = (op: 'encode' | 'decode') => async (c: Context<AppEnv>) => {
    let body: { payloads?: JsonPayload[] };
    try {
      body = (await c.req.json()) as { payloads?: JsonPayload[] };
    } catch {
      throw new ApiError(400, 'bad_request', 'body must be JSON: { payloads: [...] }');
    }
    if (!Array.isArray(body.payloads) || body.payloads.length > 1000)
      throw new ApiError(400, 'bad_request', 'payloads must be an array of at most 1000');
    try {
      const out = await codec[op](body.payloads.map(fromJson));
      return c.json({ payloads: out.map(toJson) });
    } catch (err) {
      throw new ApiError(400, 'codec_failed', `could not ${op} the payloads: ${(err as Error).message.slice(0, 200)}`);
    }
  };
  if (o.uiSecret && o.uiSecret.length >= 32) {
    const expected = createHash('sha256').update(o.uiSecret).digest();
    const ui = new Hono<AppEnv>();
    ui.use('*', async (c, next) => {
      const given = createHash('sha256')
        .update(c.req.param('secret') ?? '')
        .digest();
      if (!timingSafeEqual(given, expected)) throw new ApiError(404, 'not_found', 'No such codec endpoint');
      return next();
    });
    ui.post('/encode', handle('encode'));
    ui.post('/decode', handle('decode'));
    app.route('/ui/:secret', ui);
  }
  const authed = new Hono<AppEnv>();
  authed.use('*', apiAuth(o.apiTokens, { clientOf: o.clientOf }));
  authed.post('/encode', handle('encode'));
  authed.post('/decode', handle('decode'));
  app.route('/', authed);
  return app;
}
