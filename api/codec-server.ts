/**
 * Temporal's remote codec protocol (`POST /codec/encode`, `POST /codec/decode`, body
 * `{ payloads: [{ metadata: { key: base64 }, data: base64 }] }`, optional `X-Namespace`), so the
 * Temporal UI shows decrypted payloads. Who may call it: a holder of an API token, or the Temporal
 * UI itself when it runs on this machine (a browser request from the UI's origin that arrives over
 * loopback; the embedded dev server's UI has no way to send a token).
 */
import { getConnInfo } from '@hono/node-server/conninfo';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { Hono, type Context } from 'hono';
import { cors } from 'hono/cors';
import { apiAuth } from './auth.js';
import type { AppEnv } from './env.js';
import { ApiError } from './errors.js';

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

function isLoopback(c: Context): boolean {
  try {
    const address = getConnInfo(c).remote.address ?? '';
    return address === '::1' || /^(::ffff:)?127\./.test(address);
  } catch {
    return false; // not served by Node (app.request in tests): only tokens count
  }
}

export function codecServer(codec: PayloadCodec, apiTokens: readonly string[], uiOrigin?: string) {
  const app = new Hono<AppEnv>();
  if (uiOrigin) {
    app.use(
      '*',
      cors({
        origin: uiOrigin,
        allowMethods: ['POST', 'OPTIONS'],
        allowHeaders: ['content-type', 'x-namespace', 'authorization'],
        credentials: true,
        maxAge: 600,
      }),
    );
  }
  const tokens = apiAuth(apiTokens);
  app.use('*', async (c, next) => {
    if (uiOrigin && c.req.header('origin') === uiOrigin && isLoopback(c)) return next();
    return tokens(c, next);
  });
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
  app.post('/encode', handle('encode'));
  app.post('/decode', handle('decode'));
  return app;
}
