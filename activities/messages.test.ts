/**
 * The message workflow's vendor stages heartbeat while a slow engine works: their profile has a
 * 20 s heartbeat timeout, and without heartbeats a slow but healthy call is failed and retried.
 */
import { MockActivityEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '../db/client.js';
import { freshDatabase } from '../test/stack.js';
import { createMessageActivities } from './messages.js';
import { HEARTBEAT_AFTER_MS } from './pipeline.js';
import type { Providers } from './providers/index.js';

let database: DatabaseHandle;
beforeAll(async () => {
  database = await freshDatabase('pglite');
});
afterAll(async () => database?.close());

const slow = <T>(value: T, ms: number) => new Promise<T>((r) => setTimeout(() => r(value), ms));
const waitMs = HEARTBEAT_AFTER_MS * 2 + 500;

describe('message stages', () => {
  it('heartbeat while the sentiment and embedding engines work', async () => {
    const providers = {
      language: { name: 'slow-language', sentiment: () => slow({ label: 'neutral', score: 0, model: 'm' }, waitMs) },
      embeddings: { name: 'slow-embeddings', model: 'm', embed: () => slow([new Array(512).fill(0.01)], waitMs) },
    } as unknown as Providers;
    const acts = createMessageActivities({ db: database.db, providers });
    const stored = await acts.storeMessage({
      event: {
        eventId: 'e1',
        type: 'message.received',
        occurredAt: new Date().toISOString(),
        messageId: 'msg-heartbeat',
        direction: 'inbound',
        messageType: 'SMS',
        otherParty: '+13125550142',
        text: 'Running late, see you at noon',
        media: [],
        status: 'received',
      },
    });
    for (const stage of ['messageSentimentStage', 'embedMessageStage'] as const) {
      const env = new MockActivityEnvironment();
      let beats = 0;
      env.on('heartbeat', () => (beats += 1));
      await env.run(acts[stage], { messageRowId: stored.messageRowId });
      expect(beats, stage).toBeGreaterThanOrEqual(1);
    }
  }, 30_000);
});
