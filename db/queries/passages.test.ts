/** A call's passages stored again (reprocessing, a new transcript) replace the old ones in one statement. */
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '../client.js';
import { embeddings } from '../schema/index.js';
import { addCall } from '../../test/seed.js';
import { dbKinds, freshDatabase } from '../../test/stack.js';
import { storeCallPassages } from './phone-records.js';

describe.each(dbKinds)('call passages on %s', (kind) => {
  let database: DatabaseHandle;
  beforeAll(async () => {
    database = await freshDatabase(kind);
  });
  afterAll(async () => database?.close());

  const vector = (x: number) => Array.from({ length: 512 }, (_, i) => (i === 0 ? x : 0.01));
  const passage = (id: string, k: string, i: number, content: string) => ({
    sourceType: 'call',
    sourceId: id,
    contactId: null,
    kind: k,
    chunkIndex: i,
    content,
    startMs: i * 1000,
    model: 'm',
    embedding: vector(i + 1),
    occurredAt: new Date('2026-12-01T10:00:00Z'),
  });

  it('replaces what was stored, fewer passages or more, without colliding with itself', async () => {
    const call = await addCall(database.db, { phoneNumber: '+13125550142', startedAt: new Date() });
    const stored = () =>
      database.db
        .select({ kind: embeddings.kind, chunkIndex: embeddings.chunkIndex, content: embeddings.content })
        .from(embeddings)
        .where(and(eq(embeddings.sourceId, call.id), eq(embeddings.model, 'm')))
        .orderBy(embeddings.kind, embeddings.chunkIndex);
    await storeCallPassages(database.db, call.id, 'm', [
      passage(call.id, 'summary', 0, 'old summary'),
      passage(call.id, 'transcript', 0, 'old 0'),
      passage(call.id, 'transcript', 1, 'old 1'),
    ]);
    // Reprocessed: the same keys again with new words, one chunk fewer.
    await storeCallPassages(database.db, call.id, 'm', [
      passage(call.id, 'summary', 0, 'new summary'),
      passage(call.id, 'transcript', 0, 'new 0'),
    ]);
    expect(await stored()).toEqual([
      { kind: 'summary', chunkIndex: 0, content: 'new summary' },
      { kind: 'transcript', chunkIndex: 0, content: 'new 0' },
    ]);
    await storeCallPassages(database.db, call.id, 'm', []);
    expect(await stored()).toEqual([]);
  });
});
