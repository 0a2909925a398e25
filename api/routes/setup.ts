/** /api/session and /api/setup: who is asking, and what the owner pastes into the Telnyx portal. */
import { createRoute, z } from '@hono/zod-openapi';
import { ApiError, ok } from '../errors.js';
import type { ApiDeps } from './deps.js';
import { ErrorEnvelope, json, responses, route, type ApiApp } from './openapi.js';

const tag = ['Sign-in'];
const security = [{ bearer: [] }];

const SetupSchema = z
  .object({
    publicBaseUrl: z.string(),
    webhooks: z.object({
      callControl: z.string(),
      texml: z.object({ voice: z.string(), status: z.string(), recording: z.string(), fallback: z.string() }),
      messaging: z.string(),
    }),
    telnyxPublicKey: z.enum(['configured', 'development']).openapi({
      description:
        '`development`: a key generated for the simulator; real Telnyx webhooks will be refused until TELNYX_PUBLIC_KEY is set',
    }),
    temporalUi: z
      .string()
      .nullable()
      .openapi({ description: 'The Temporal UI, when this server knows it (TEMPORAL_UI_URL, or the embedded one)' }),
    temporalNamespace: z.string(),
    testCall: z.boolean().openapi({
      description:
        'Whether POST /api/setup/test-call can play a simulated call (embedded mode with the development key)',
    }),
  })
  .openapi('Setup');

export function setupRoutes(app: ApiApp, deps: ApiDeps) {
  route(
    app,
    createRoute({
      method: 'get',
      path: '/api/session',
      tags: tag,
      security,
      summary: "Who is asking: signed in with a token or the dashboard's session cookie",
      responses: responses(z.object({ signedIn: z.literal(true), via: z.enum(['token', 'cookie']) }), 'Signed in'),
    }),
    async (c) =>
      ok(c, { signedIn: true as const, via: c.req.header('authorization') ? ('token' as const) : ('cookie' as const) }),
  );

  route(
    app,
    createRoute({
      method: 'get',
      path: '/api/setup',
      tags: tag,
      security,
      summary: "The webhook URLs to paste into the Telnyx portal, and whether Telnyx's public key is configured",
      responses: responses(SetupSchema, 'Setup facts'),
    }),
    async (c) => {
      const s = deps.setup;
      const base = (s?.publicBaseUrl ?? new URL(c.req.url).origin).replace(/\/+$/, '');
      const hook = (name: string) => `${base}/webhooks/telnyx/${name}`;
      return ok(c, {
        publicBaseUrl: base,
        webhooks: {
          callControl: hook('voice'),
          texml: {
            voice: hook('voice'),
            status: hook('status'),
            recording: hook('recording'),
            fallback: hook('fallback'),
          },
          messaging: hook('messaging'),
        },
        telnyxPublicKey: s?.telnyxKeySource ?? 'configured',
        temporalUi: s?.temporalUi ?? null,
        temporalNamespace: s?.temporalNamespace ?? 'default',
        testCall: Boolean(deps.testCall),
      });
    },
  );

  route(
    app,
    createRoute({
      method: 'post',
      path: '/api/setup/test-call',
      tags: tag,
      security,
      summary:
        'Play one simulated call (synthetic speech, signed webhooks) through the whole pipeline; embedded mode with the development key only',
      responses: {
        ...responses(
          z.object({ callSessionId: z.string() }),
          'The call is on its way; it appears in the call log within seconds',
          202,
        ),
        409: json(ErrorEnvelope, 'Not available here: real Telnyx webhooks are configured'),
      },
    }),
    async (c) => {
      if (!deps.testCall)
        throw new ApiError(
          409,
          'not_available',
          'Test calls need the development webhook key (embedded mode without TELNYX_PUBLIC_KEY); use npm run simulate against a development instance instead',
        );
      return ok(c, await deps.testCall(), 'Test call placed', 202);
    },
  );

  const notAvailable = () =>
    new ApiError(
      409,
      'not_available',
      'Talking to the receptionist from the browser needs the development webhook key (embedded mode without TELNYX_PUBLIC_KEY)',
    );
  route(
    app,
    createRoute({
      method: 'post',
      path: '/api/setup/talk',
      tags: tag,
      security,
      summary:
        'Call your receptionist from the browser: the call is answered as Telnyx would; connect to the stream path (a single-use token) and speak 8 kHz µ-law in Telnyx media frames',
      responses: {
        ...responses(
          z.object({ callSessionId: z.string(), streamPath: z.string() }),
          'The call is answered; its stream waits for you for two minutes',
          202,
        ),
        409: json(ErrorEnvelope, 'Not available here: real Telnyx webhooks are configured, or the receptionist is off'),
      },
    }),
    async (c) => {
      if (!deps.talkCall) throw notAvailable();
      return ok(c, await deps.talkCall.talk(), 'Call answered', 202);
    },
  );

  route(
    app,
    createRoute({
      method: 'post',
      path: '/api/setup/talk/{callSessionId}/hangup',
      tags: tag,
      security,
      summary: 'End a browser call: the call finishes like any other (no recording: the audio stayed in the browser)',
      request: { params: z.object({ callSessionId: z.string().min(1).max(200) }) },
      responses: {
        ...responses(z.object({ callSessionId: z.string() }), 'The call is over', 202),
        404: json(ErrorEnvelope, 'No browser call with this id is open'),
        409: json(ErrorEnvelope, 'Not available here'),
      },
    }),
    async (c, { params }) => {
      if (!deps.talkCall) throw notAvailable();
      const { callSessionId } = params;
      try {
        await deps.talkCall.hangUp(callSessionId);
      } catch (err) {
        if ((err as Error).message === 'no such browser call')
          throw new ApiError(404, 'not_found', 'No browser call with this id is open');
        throw err;
      }
      return ok(c, { callSessionId }, 'Call ended', 202);
    },
  );
}
