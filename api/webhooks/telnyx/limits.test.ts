/**
 * Webhook intake cannot be starved: an unsigned chunked upload with no Content-Length is refused
 * once it passes the limit, not after it was read whole, over a real HTTP server.
 */
import { serve } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import { request } from 'node:http';
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, hardenServer } from '../../app.js';
import { createWorkflowGateway } from '../../../temporal/gateway.js';
import { devKeys, freshDatabase, need, silentLog } from '../../../test/stack.js';
import { publicKeyFromBase64 } from './verify.js';
import type { DatabaseHandle } from '../../../db/client.js';
import { createInboxRelay } from './relay.js';

const LIMIT = 64 * 1024;
let database: DatabaseHandle;
let connection: Connection;
let url: string;
let close: () => void;

beforeAll(async () => {
  database = await freshDatabase('pglite');
  connection = await Connection.connect({ address: need('TEST_TEMPORAL_ADDRESS') });
  const gateway = createWorkflowGateway(new Client({ connection }), 'tq-limits');
  const app = createApp({
    database,
    gateway,
    // Not started: the suite checks what is refused before the inbox.
    relay: createInboxRelay({ db: database.db, gateway, log: silentLog }),
    log: silentLog,
    apiTokens: ['limits-token'],
    telnyxPublicKey: publicKeyFromBase64(devKeys().publicKeyBase64),
    maxWebhookBytes: LIMIT,
    publicBaseUrl: 'http://localhost:3000',
    streamBase: 'ws://localhost:3000',
    ownerName: 'Owner',
    region: 'US',
    embedder: { model: 'unused', embed: () => Promise.reject(new Error('unused')) },
  });
  const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' });
  hardenServer(server as unknown as Parameters<typeof hardenServer>[0]);
  await new Promise((r) => server.once('listening', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  close = () => server.close();
});
afterAll(async () => {
  close?.();
  await connection?.close();
  await database?.close();
});

/** Send 64 KiB chunks until the server answers; how many bytes went out by then, and the status. */
function chunkedUpload(path: string, totalBytes: number): Promise<{ status: number; sent: number }> {
  return new Promise((resolve, reject) => {
    const chunk = Buffer.alloc(64 * 1024, 0x61);
    let sent = 0;
    let answered = false;
    const req = request(
      `${url}${path}`,
      { method: 'POST', headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' } },
      (res) => {
        answered = true;
        res.resume();
        resolve({ status: res.statusCode ?? 0, sent });
        req.destroy();
      },
    );
    req.on('error', (err) => (answered ? undefined : reject(err)));
    const pump = () => {
      while (!answered && sent < totalBytes) {
        sent += chunk.length;
        if (!req.write(chunk)) return void req.once('drain', () => setTimeout(pump, 1));
      }
      if (!answered) req.end();
    };
    pump();
  });
}

describe('webhook and REST body limits', () => {
  it('refuses an unsigned chunked body over the limit while it streams, and memory stays flat', async () => {
    const before = process.memoryUsage().rss;
    const results = await Promise.all(
      Array.from({ length: 4 }, () => chunkedUpload('/webhooks/telnyx/voice', 64 * 1024 * 1024)),
    );
    for (const r of results) {
      expect(r.status).toBe(413);
      // Refused near the limit; the client may have a few chunks in flight in its buffers by then.
      expect(r.sent).toBeLessThan(8 * 1024 * 1024);
    }
    expect(process.memoryUsage().rss - before).toBeLessThan(64 * 1024 * 1024);
  });

  it('refuses a REST body over 1 MiB with 413, streamed or declared', async () => {
    const r = await chunkedUpload('/api/contacts', 32 * 1024 * 1024);
    // Without a token the request ends at authentication; with one, at the limit.
    expect([401, 413]).toContain(r.status);
    const big = await fetch(`${url}/api/contacts`, {
      method: 'POST',
      headers: { authorization: 'Bearer limits-token', 'content-type': 'application/json' },
      body: JSON.stringify({ firstName: 'x', notes: 'n'.repeat(2 * 1024 * 1024) }),
    });
    expect(big.status).toBe(413);
  });
});
