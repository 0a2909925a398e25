/** Message storage under hostile status values: only the status table's own keys rank. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '../client.js';
import { freshDatabase } from '../../test/stack.js';
import { getMessage, storeMessage } from './messages.js';

let database: DatabaseHandle;
beforeAll(async () => {
  database = await freshDatabase('pglite');
});
afterAll(async () => database?.close());

const message = (status: string) => ({
  telnyxMessageId: 'msg-proto',
  direction: 'inbound' as const,
  type: 'SMS',
  otherParty: '+13125550142',
  text: 'hello',
  media: [],
  status,
  occurredAt: new Date('2026-12-01T10:00:00Z'),
});

describe('message status', () => {
  it('moves only forward, and a caller-chosen `__proto__` or `constructor` status ranks as nothing', async () => {
    const first = await storeMessage(database.db, message('delivered'));
    for (const status of ['__proto__', 'constructor', 'toString', 'sent']) {
      await storeMessage(database.db, message(status));
      expect((await getMessage(database.db, first.id))?.status, status).toBe('delivered');
    }
  });
});
