import { describe, expect, it } from 'vitest';
import { DatabaseFailure, safeDatabaseError, withSafeErrors } from './safe-errors.js';

/** As drizzle throws it: the statement and its parameters, the driver's error as the cause. */
function drizzleError() {
  const driver = Object.assign(
    new Error('duplicate key value violates unique constraint "embeddings_source_chunk_idx"'),
    {
      severity: 'ERROR',
      code: '23505',
      constraint: 'embeddings_source_chunk_idx',
      detail: 'Key (source_type, source_id)=(call, 9726499b) already exists.',
    },
  );
  return Object.assign(new Error('Failed query: insert into embeddings …\nparams: Hi, it is Maria, +13125550134'), {
    query: 'insert into embeddings …',
    params: ['Hi, it is Maria', '+13125550134'],
    cause: driver,
  });
}

describe('database errors made safe for Temporal', () => {
  it('keeps the code and constraint, never the statement, its parameters or the detail', () => {
    const safe = safeDatabaseError(drizzleError()) as Error;
    expect(safe).toBeInstanceOf(DatabaseFailure);
    expect(safe.message).toBe('the database refused a statement (SQLSTATE 23505 on embeddings_source_chunk_idx)');
    expect(JSON.stringify({ ...safe, message: safe.message, cause: (safe as { cause?: unknown }).cause })).not.toMatch(
      /Maria|3125550134|9726499b/,
    );
  });

  it('passes every other error through, and wraps every activity', async () => {
    const vendor = Object.assign(new Error('deepgram: 503'), { name: 'ProviderError', retryable: true });
    expect(safeDatabaseError(vendor)).toBe(vendor);
    const wrapped = withSafeErrors({
      store: async () => {
        throw drizzleError();
      },
      call: async () => {
        throw vendor;
      },
      ok: async (x: number) => x + 1,
    });
    await expect(wrapped.store()).rejects.toBeInstanceOf(DatabaseFailure);
    await expect(wrapped.call()).rejects.toBe(vendor);
    expect(await wrapped.ok(1)).toBe(2);
  });
});
