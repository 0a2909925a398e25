import { Client, Connection } from '@temporalio/client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createApp, READY_CACHE_MS, type AppDeps } from './app.js';
import { createSessions } from './session.js';
import { createWorkflowGateway } from '../temporal/gateway.js';
import { createInboxRelay, type InboxRelay } from './webhooks/telnyx/relay.js';
import { inboxStats } from '../db/queries/inbox.js';
import { publicKeyFromBase64 } from './webhooks/telnyx/verify.js';
import { callLifecycle, signTelnyx } from '../activities/providers/telephony/fake.js';
import { startDevServer } from '../deploy/dev-server.js';
import { devKeys, freshDatabase, need, silentLog } from '../test/stack.js';
import type { DatabaseHandle } from '../db/client.js';
import { EncryptionCodec, newCodecKeySpec, parseCodecKeys } from '../temporal/codec.js';
import { freePort } from '../platform/ports.js';

let database: DatabaseHandle;
beforeAll(async () => {
  database = await freshDatabase('pglite');
});
afterAll(async () => database?.close());

const keys = devKeys();
/** Relays the tests started, stopped after each test (before its Temporal connection closes). */
const relays: InboxRelay[] = [];
afterEach(async () => {
  await Promise.all(relays.splice(0).map((r) => r.stop()));
});
const build = (client: Client, extra: Partial<AppDeps> = {}) => {
  const gateway = createWorkflowGateway(client, 'tq-app-test');
  const relay = createInboxRelay({ db: database.db, gateway, log: silentLog }, { pollMs: 100, retryMs: 100 });
  relays.push(relay);
  relay.start();
  return createApp({
    database,
    gateway,
    relay,
    log: silentLog,
    apiTokens: ['secret-token'],
    telnyxPublicKey: publicKeyFromBase64(keys.publicKeyBase64),
    maxWebhookBytes: 256 * 1024,
    publicBaseUrl: 'http://localhost:3000',
    streamBase: 'ws://localhost:3000',
    ownerName: 'Owner',
    region: 'US',
    embedder: { model: 'unused', embed: () => Promise.reject(new Error('not used in this test')) },
    ...extra,
  });
};

describe('health, readiness and auth', () => {
  it('answers /health and /ready, and 401 on /api without a valid token', async () => {
    const connection = await Connection.connect({ address: need('TEST_TEMPORAL_ADDRESS') });
    const app = build(new Client({ connection }));
    expect((await app.request('/health')).status).toBe(200);
    // Temporal answers, but no worker polls this task queue: webhooks are taken (200), the process is
    // degraded; why, to a token holder only.
    const ready = await app.request('/ready');
    expect(ready.status).toBe(200);
    const body = (await ready.json()) as { checks: Record<string, { detail?: string }> };
    expect(body).toMatchObject({
      status: 'degraded',
      failed: ['worker'],
      checks: {
        database: { status: 'ok' },
        inbox: { status: 'ok', pending: 0, oldestSeconds: 0 },
        temporal: { status: 'ok' },
        worker: { status: 'unavailable' },
      },
    });
    expect(body.checks.worker!.detail).toBeUndefined();
    const detailed = await app.request('/ready', { headers: { authorization: 'Bearer secret-token' } });
    expect(await detailed.json()).toMatchObject({
      checks: { worker: { status: 'unavailable', detail: 'no worker is polling the task queue' } },
    });
    const noToken = await app.request('/api/phone-records');
    expect(noToken.status).toBe(401);
    expect(await noToken.json()).toMatchObject({ success: false, error: { code: 'unauthorized' } });
    expect((await app.request('/api/phone-records', { headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
    expect(noToken.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    // A caller's request id is echoed (and in the error envelope) when it is a plain token; anything else is replaced.
    const traced = await app.request('/api/phone-records', { headers: { 'x-request-id': 'req-42' } });
    expect(traced.headers.get('x-request-id')).toBe('req-42');
    expect(await traced.json()).toMatchObject({ error: { requestId: 'req-42' } });
    const hostile = await app.request('/api/phone-records', { headers: { 'x-request-id': 'a b<script>' } });
    expect(hostile.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    // Guessing is throttled: after 10 failures from one address, 429 with Retry-After.
    const statuses = [];
    const remote = { incoming: { socket: { remoteAddress: '203.0.113.9' } } };
    for (let i = 0; i < 12; i++)
      statuses.push(
        (await app.request('/api/contacts', { headers: { authorization: `Bearer guess-${i}` } }, remote)).status,
      );
    expect(statuses.slice(0, 10).every((s) => s === 401)).toBe(true);
    expect(statuses.slice(-2)).toEqual([429, 429]);
    expect(
      (await app.request('/api/contacts', { headers: { authorization: 'Bearer guess' } }, remote)).headers.get(
        'retry-after',
      ),
    ).toMatch(/^\d+$/);
    // Another address is not affected.
    expect(
      (
        await app.request(
          '/api/contacts',
          { headers: { authorization: 'Bearer guess' } },
          { incoming: { socket: { remoteAddress: '198.51.100.7' } } },
        )
      ).status,
    ).toBe(401);
    // The owner's right token still works from the throttled address: valid credentials are never refused.
    expect(
      (await app.request('/api/contacts', { headers: { authorization: 'Bearer secret-token' } }, remote)).status,
    ).toBe(200);
    await connection.close();
  });

  it('behind a trusted proxy throttles the client X-Forwarded-For names, never the proxy itself', async () => {
    const connection = await Connection.connect({ address: need('TEST_TEMPORAL_ADDRESS') });
    const app = build(new Client({ connection }), { trustedProxies: ['127.0.0.1', '10.0.0.0/8'] });
    const viaProxy = (forwardedFor: string, token: string) =>
      app.request(
        '/api/contacts',
        { headers: { authorization: `Bearer ${token}`, 'x-forwarded-for': forwardedFor } },
        { incoming: { socket: { remoteAddress: '127.0.0.1' } } },
      );
    // The right-most hop that is not a trusted proxy is the client; a forged left-most entry is ignored.
    const statuses = [];
    for (let i = 0; i < 11; i++) statuses.push((await viaProxy(`198.18.0.${i}, 203.0.113.50, 10.1.2.3`, 'x')).status);
    expect(statuses.slice(0, 10).every((st) => st === 401)).toBe(true);
    expect(statuses[10]).toBe(429);
    // Another client behind the same proxy is not locked out, and the owner's token always works.
    expect((await viaProxy('203.0.113.51', 'x')).status).toBe(401);
    expect((await viaProxy('203.0.113.50, 10.1.2.3', 'secret-token')).status).toBe(200);
    // From a peer that is not a trusted proxy, X-Forwarded-For is not believed: rotating it does not help.
    const direct = [];
    for (let i = 0; i < 11; i++)
      direct.push(
        (
          await app.request(
            '/api/contacts',
            { headers: { authorization: 'Bearer x', 'x-forwarded-for': `192.0.2.${i}` } },
            { incoming: { socket: { remoteAddress: '203.0.113.77' } } },
          )
        ).status,
      );
    expect(direct[10]).toBe(429);
    expect(() => build(new Client({ connection }), { trustedProxies: ['not-an-address'] })).toThrow(/TRUSTED_PROXIES/);
    await connection.close();
  });

  it('the codec endpoint: a token, or the UI secret path; never an Origin header', async () => {
    const connection = await Connection.connect({ address: need('TEST_TEMPORAL_ADDRESS') });
    const codec = new EncryptionCodec(parseCodecKeys(newCodecKeySpec('t')));
    const secret = 'a'.repeat(48);
    const app = build(new Client({ connection }), {
      codec,
      codecUiSecret: secret,
      codecUiOrigin: 'http://localhost:8233',
    });
    const [encoded] = await codec.encode([
      {
        metadata: { encoding: new TextEncoder().encode('json/plain') },
        data: new TextEncoder().encode('"+12125550100"'),
      },
    ]);
    const body = JSON.stringify({
      payloads: [
        {
          metadata: Object.fromEntries(
            Object.entries(encoded!.metadata!).map(([k, v]) => [k, Buffer.from(v!).toString('base64')]),
          ),
          data: Buffer.from(encoded!.data!).toString('base64'),
        },
      ],
    });
    const decode = (path: string, headers: Record<string, string> = {}) =>
      app.request(path, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
    expect((await decode('/codec/decode')).status).toBe(401);
    expect((await decode('/codec/decode', { origin: 'http://localhost:8233' })).status).toBe(401);
    expect((await decode(`/codec/ui/${'b'.repeat(48)}/decode`)).status).toBe(404);
    for (const res of [
      await decode(`/codec/ui/${secret}/decode`, { origin: 'http://localhost:8233' }),
      await decode('/codec/decode', { authorization: 'Bearer secret-token' }),
    ]) {
      expect(res.status).toBe(200);
      const out = (await res.json()) as { payloads: { data: string }[] };
      expect(Buffer.from(out.payloads[0]!.data, 'base64').toString()).toBe('"+12125550100"');
    }
    const huge = await app.request('/codec/decode', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ payloads: [{ data: 'A'.repeat(5 * 1024 * 1024) }] }),
    });
    expect(huge.status).toBe(413);
    await connection.close();
  });

  it('a flood of unauthenticated /ready costs one round of checks per 2 s; a token holder always gets fresh ones', async () => {
    const connection = await Connection.connect({ address: need('TEST_TEMPORAL_ADDRESS') });
    const real = createWorkflowGateway(new Client({ connection }), 'tq-app-test');
    let pings = 0;
    const gateway = { ...real, ping: () => ((pings += 1), real.ping()) };
    const app = build(new Client({ connection }), { gateway });
    await Promise.all(Array.from({ length: 20 }, () => app.request('/ready')));
    expect(pings).toBe(1);
    await app.request('/ready', { headers: { authorization: 'Bearer secret-token' } });
    expect(pings).toBe(2);
    await new Promise((r) => setTimeout(r, READY_CACHE_MS + 100));
    await app.request('/ready');
    expect(pings).toBe(3);
    await connection.close();
  });

  it('sends anti-framing and nosniff headers on every answer: JSON, errors, /docs', async () => {
    const connection = await Connection.connect({ address: need('TEST_TEMPORAL_ADDRESS') });
    const app = build(new Client({ connection }));
    for (const path of ['/health', '/openapi.json', '/docs', '/api/contacts', '/no-such-page']) {
      const res = await app.request(path);
      expect(res.headers.get('x-frame-options'), path).toBe('DENY');
      expect(res.headers.get('x-content-type-options'), path).toBe('nosniff');
    }
    await connection.close();
  });

  it('sign-in: a cookie for a valid token only, bodies bounded, sessions end at sign-out, links work once', async () => {
    const connection = await Connection.connect({ address: need('TEST_TEMPORAL_ADDRESS') });
    const app = build(new Client({ connection }));
    const signIn = (body: string) =>
      app.request('/auth/session', { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    expect((await signIn(JSON.stringify({ token: 'wrong' }))).status).toBe(401);
    expect((await signIn('{}')).status).toBe(400);
    // A streamed body over the limit is refused before it is kept.
    const big = new ReadableStream({
      start: (ctl) => {
        for (let i = 0; i < 64; i++) ctl.enqueue(new Uint8Array(1024));
        ctl.close();
      },
    });
    expect(
      (
        await app.request('/auth/session', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: big,
          duplex: 'half',
        } as RequestInit)
      ).status,
    ).toBe(413);
    const ok = await signIn(JSON.stringify({ token: 'secret-token' }));
    expect(ok.status).toBe(200);
    const setCookie = ok.headers.get('set-cookie')!;
    expect(setCookie).toMatch(/^cc_session=[^;]+; Max-Age=43200; Path=\/; HttpOnly; SameSite=Strict$/);
    const cookie = setCookie.split(';')[0]!;
    expect((await app.request('/api/session', { headers: { cookie } })).status).toBe(200);
    // Reads with the cookie alone; changes need the dashboard's header too.
    const post = (headers: Record<string, string>) =>
      app.request('/api/tasks', {
        method: 'POST',
        headers: { cookie, 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ title: 'Call back' }),
      });
    expect((await post({})).status).toBe(403);
    expect((await post({ 'x-requested-with': 'command-center' })).status).toBe(201);
    // A tampered cookie is nobody's.
    expect(
      (
        await app.request('/api/session', {
          headers: { cookie: cookie.replace(/.$/, (ch) => (ch === 'A' ? 'B' : 'A')) },
        })
      ).status,
    ).toBe(401);
    // Sign-out ends the session everywhere: another API process on the same database (and this one
    // after a restart, which is the same thing) refuses the cookie too.
    const other = build(new Client({ connection }));
    expect((await other.request('/api/session', { headers: { cookie } })).status).toBe(200);
    expect((await app.request('/auth/session', { method: 'DELETE', headers: { cookie } })).status).toBe(200);
    expect((await app.request('/api/session', { headers: { cookie } })).status).toBe(401);
    expect((await other.request('/api/session', { headers: { cookie } })).status).toBe(401);
    await connection.close();
  });

  it('a session unused for the idle time ends by itself', async () => {
    const connection = await Connection.connect({ address: need('TEST_TEMPORAL_ADDRESS') });
    const sessions = createSessions(['secret-token'], { secureCookies: false, db: database.db, idleMs: 1500 });
    const app = build(new Client({ connection }), { sessions });
    const ok = await app.request('/auth/session', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token: 'secret-token' }),
    });
    const cookie = ok.headers.get('set-cookie')!.split(';')[0]!;
    expect((await app.request('/api/session', { headers: { cookie } })).status).toBe(200);
    await new Promise((r) => setTimeout(r, 2000));
    expect((await app.request('/api/session', { headers: { cookie } })).status).toBe(401);
    await connection.close();
  });

  it('answers semantic search with 503 and hybrid search with full-text when the query embedder fails', async () => {
    const connection = await Connection.connect({ address: need('TEST_TEMPORAL_ADDRESS') });
    const app = build(new Client({ connection }));
    const auth = { headers: { authorization: 'Bearer secret-token' } };
    const semantic = await app.request('/api/search/semantic?q=dentist', auth);
    expect(semantic.status).toBe(503);
    expect(await semantic.json()).toMatchObject({ error: { code: 'embeddings_unavailable' } });
    const hybrid = await app.request('/api/search?q=dentist', auth);
    expect(hybrid.status).toBe(200);
    expect(await hybrid.json()).toMatchObject({
      data: { mode: 'hybrid', degraded: { semantic: expect.stringContaining('not used in this test') }, hits: [] },
    });
    await connection.close();
  });

  it('takes webhooks into the inbox while Temporal is down (200 at once, /ready degraded with the backlog), and relays them when it is back', async () => {
    const port = await freePort();
    const start = () =>
      startDevServer({ cliPath: need('TEST_TEMPORAL_CLI_PATH'), port, namespace: 'default', headless: true });
    let server = await start();
    const connection = await Connection.connect({ address: server.address });
    const client = new Client({ connection });
    const app = build(client);
    await server.stop();
    const { callSessionId, events } = callLifecycle({ from: '+12125550100', to: '+13125550199', answered: false });
    const send = (event: unknown) => {
      const body = JSON.stringify(event);
      return app.request('/webhooks/telnyx/voice', {
        method: 'POST',
        body,
        headers: { 'content-type': 'application/json', ...signTelnyx(keys.privateKey, body) },
      });
    };
    for (const event of events) {
      const t0 = Date.now();
      const res = await send(event);
      expect({ status: res.status, fast: Date.now() - t0 < 1000 }).toEqual({ status: 200, fast: true });
    }
    // A redelivery of one of them is absorbed by the inbox, not stored twice.
    expect((await send(events[0])).status).toBe(200);
    const ready = await app.request('/ready', { headers: { authorization: 'Bearer secret-token' } });
    expect(ready.status).toBe(200);
    const body = (await ready.json()) as { status: string; failed: string[]; checks: { inbox: { pending: number } } };
    expect(body.status).toBe('degraded');
    expect(body.failed).toEqual(expect.arrayContaining(['temporal']));
    expect(body.checks.inbox.pending).toBe(events.length);
    server = await start();
    try {
      // No redelivery needed: the relay retries until Temporal takes them, in the order received.
      const handle = client.workflow.getHandle(`call-${callSessionId}`);
      let delivered = false;
      for (let i = 0; i < 150 && !delivered; i++) {
        const pending = (await inboxStats(database.db)).pending;
        delivered = pending === 0;
        if (!delivered) await new Promise((r) => setTimeout(r, 200));
      }
      expect(delivered).toBe(true);
      const described = await handle.describe();
      expect(described.status.name).toBe('RUNNING');
      const signals = (await handle.fetchHistory()).events!.filter((e) => e.workflowExecutionSignaledEventAttributes);
      expect(signals).toHaveLength(events.length);
    } finally {
      await Promise.all(relays.splice(0).map((r) => r.stop()));
      await connection.close();
      await server.stop();
    }
  });
});
