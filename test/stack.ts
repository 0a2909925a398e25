/** Test helpers: real databases, a real Temporal client and the project's worker on a fresh task queue. */
import { randomUUID, type KeyObject } from 'node:crypto';
import { signTelnyx } from '../activities/providers/telephony/fake.js';
import { Runtime, DefaultLogger } from '@temporalio/worker';
import { loadConfig } from '../config.js';
import { devKeys } from '../deploy/dev-secrets.js';
import { openDatabase, type DatabaseHandle } from '../db/client.js';
import { publicKeyFromBase64 } from '../api/webhooks/telnyx/verify.js';
import { EncryptionCodec, newCodecKeySpec, parseCodecKeys } from '../temporal/codec.js';
import { scratchPath } from './scratch.js';
import { startStack as startProduct, type Stack as ProductStack, type StackParts } from '../deploy/stack.js';
import { silentLog } from '../platform/logger.js';
import type { Client } from '@temporalio/client';
import { inboxStats } from '../db/queries/inbox.js';

export const need = (name: string): string => {
  const v = process.env[name];
  if (!v)
    throw new Error(
      `${name} is not set: the test layer's global setup (test/setup/) did not run: run it with npm test, or in a layer that starts this part (vitest.config.ts)`,
    );
  return v;
};

let runtimeInstalled = false;
export function quietRuntime() {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  Runtime.install({ logger: new DefaultLogger('ERROR'), shutdownSignals: [] });
}

export { silentLog, devKeys };

export type DbKind = 'pglite' | 'postgres';
export const dbKinds: DbKind[] = ['pglite', 'postgres'];

/** A fresh database of the given kind: PGlite in memory, or a new database on the native server. */
export async function freshDatabase(kind: DbKind): Promise<DatabaseHandle> {
  if (kind === 'pglite') return openDatabase({ pgliteDir: 'memory://' });
  return openDatabase({ url: await freshPostgresUrl(), poolSize: 5 });
}

/** A new, empty database on the native test server (for tests that share it across processes). */
export async function freshPostgresUrl(): Promise<string> {
  const admin = await openDatabase({ url: need('TEST_POSTGRES_URL'), migrate: false, poolSize: 1 });
  const name = `t_${randomUUID().replace(/-/g, '')}`;
  await admin.pool!.query(`create database ${name}`);
  await admin.close();
  return need('TEST_POSTGRES_URL').replace(/\/postgres$/, `/${name}`);
}

/** POST a Telnyx webhook body, signed as Telnyx signs it, to an app (the app's Response). */
export async function postSigned(
  app: { request: (path: string, init: RequestInit) => Response | Promise<Response> },
  privateKey: KeyObject,
  path: string,
  event: unknown,
): Promise<Response> {
  const body = JSON.stringify(event);
  return app.request(path, {
    method: 'POST',
    body,
    headers: { 'content-type': 'application/json', ...signTelnyx(privateKey, body) },
  });
}

/** The product as `npm start` composes it (deploy/stack.ts), with the test's credentials. */
export interface Stack extends ProductStack {
  token: string;
  keys: ReturnType<typeof devKeys>;
  /** TEMPORAL_CODEC_KEYS of this stack, for worker processes that join it. */
  codecKeys: string;
  /**
   * The Temporal client, once the relay has handed every webhook stored so far to Temporal (a
   * webhook's 200 means the event is in the inbox, not yet in its workflow).
   */
  delivered(timeoutMs?: number): Promise<Client>;
}

/** App + worker + database against the shared Temporal dev server, isolated by task queue. */
export async function startStack(
  o: {
    db?: DbKind;
    env?: Record<string, string>;
    activities?: (real: object) => object;
    voiceEngines?: StackParts['voiceEngines'];
    codecKeys?: string;
  } = {},
): Promise<Stack> {
  quietRuntime();
  const keys = devKeys();
  const token = `test-${randomUUID()}`;
  const config = loadConfig('test', {
    DATA_DIR: scratchPath('stack'),
    API_TOKENS: token,
    TEMPORAL_TASK_QUEUE: `tq-${randomUUID()}`,
    // Tests that await a call's result close its run 3 s after hangup; the 10-minute default is
    // tested with time skipping (workflows/call-window.test.ts) and through `npm start` (acceptance).
    CALL_STRAGGLER_WINDOW_SECONDS: '3',
    ...o.env,
  });
  const database = await freshDatabase(o.db ?? 'pglite');
  // History is encrypted in tests as in production: a fresh key per stack.
  const codecKeys = o.codecKeys ?? newCodecKeySpec('test');
  const stack = await startProduct(config, {
    database,
    log: silentLog,
    telnyxPublicKey: publicKeyFromBase64(keys.publicKeyBase64),
    codec: new EncryptionCodec(parseCodecKeys(codecKeys)),
    temporalAddress: need('TEST_TEMPORAL_ADDRESS'),
    activities: o.activities,
    voiceEngines: o.voiceEngines,
    // No engine checks: the suite's shared dev server has no worker on most stacks' queues at /ready time.
    app: { publicBaseUrl: 'http://localhost:3000', ownerName: 'Test Owner', engines: {} },
  }).catch(async (err: unknown) => {
    await database.close();
    throw err;
  });
  const delivered = async (timeoutMs = 30_000) => {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const { pending } = await inboxStats(database.db);
      if (pending === 0) return stack.client;
      if (Date.now() > until) throw new Error(`${pending} webhook event(s) still in the inbox after ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 25));
    }
  };
  return { ...stack, token, keys, codecKeys, delivered };
}
