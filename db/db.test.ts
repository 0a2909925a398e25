import { readFile } from 'node:fs/promises';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EMBEDDING_DIM } from './schema/embeddings.js';
import { dbKinds, freshDatabase, freshPostgresUrl } from '../test/stack.js';
import type { DatabaseHandle } from './client.js';
import { migrateDatabase, openDatabase } from './client.js';
import { embeddings } from './schema/index.js';

const unit = (i: number) => Array.from({ length: EMBEDDING_DIM }, (_, j) => (j === i ? 1 : 0));

describe.each(dbKinds)('database on %s', (kind) => {
  let h: DatabaseHandle;
  beforeAll(async () => {
    h = await freshDatabase(kind);
  });
  afterAll(async () => h?.close());

  it('applies the migrations once and again without change', async () => {
    await migrateDatabase(h);
    // The eight tables of migrations 0000-0005, erasures and dashboard_sessions (0006), webhook_inbox (0007),
    // voice_sessions (0008).
    const r = await h.db.execute(
      sql`select count(*)::int as n from information_schema.tables where table_schema = 'public'`,
    );
    expect((r as unknown as { rows: { n: number }[] }).rows[0]!.n).toBe(12);
  });

  it('answers an HNSW nearest-neighbour query with the nearest vector', async () => {
    const id = '00000000-0000-4000-8000-000000000001';
    await h.db.insert(embeddings).values(
      [0, 1, 2, 3, 4].map((i) => ({
        sourceType: 'call',
        sourceId: id,
        kind: 'transcript',
        chunkIndex: i,
        content: `chunk ${i}`,
        model: 'm',
        embedding: unit(i),
      })),
    );
    const query = unit(3).map((v, j) => (j === 2 ? 0.2 : v));
    const rows = await h.db.transaction(async (tx) => {
      await tx.execute(sql`set local enable_seqscan = off`);
      const plan = await tx.execute(
        sql`explain select id from embeddings order by embedding <=> ${JSON.stringify(query)}::vector limit 2`,
      );
      const text = JSON.stringify((plan as unknown as { rows: unknown[] }).rows);
      expect(text).toContain('embeddings_hnsw_idx');
      return tx.execute(
        sql`select chunk_index from embeddings where model = 'm' order by embedding <=> ${JSON.stringify(query)}::vector limit 2`,
      );
    });
    expect((rows as unknown as { rows: { chunk_index: number }[] }).rows.map((r) => r.chunk_index)).toEqual([3, 2]);
  });

  it("keeps a call's full-text vector in step with its summary and transcript, and only then", async () => {
    const rows = async (q: ReturnType<typeof sql>) =>
      (await h.db.execute(q)) as unknown as { rows: Record<string, unknown>[] };
    const inserted =
      await rows(sql`insert into phone_records (call_session_id, source, status, direction, phone_number, transcript)
      values ('tsv-1', 'call_control', 'completed', 'inbound', '+12125550101', 'the quarterly budget review') returning id`);
    const id = inserted.rows[0]!.id as string;
    const matches = async (word: string) =>
      (await rows(sql`select 1 from phone_records where id = ${id} and search_tsv @@ to_tsquery('english', ${word})`))
        .rows.length === 1;
    expect(await matches('budget')).toBe(true);
    await h.db.execute(sql`update phone_records set summary = 'Agreed on the hiring plan' where id = ${id}`);
    expect([await matches('budget'), await matches('hiring')]).toEqual([true, true]);
    // Nobody writes the vector by hand: a direct write is replaced by the computed one.
    await h.db.execute(sql`update phone_records set search_tsv = to_tsvector('english', 'unrelated') where id = ${id}`);
    expect([await matches('hiring'), await matches('unrelated')]).toEqual([true, false]);
    // Other columns leave it alone. To see that, plant a vector the trigger would not compute
    // (with the trigger off), then write another column with it on: the planted one stays.
    await h.db.execute(sql`alter table phone_records disable trigger phone_records_search_tsv`);
    await h.db.execute(sql`update phone_records set search_tsv = to_tsvector('english', 'planted') where id = ${id}`);
    await h.db.execute(sql`alter table phone_records enable trigger phone_records_search_tsv`);
    await h.db.execute(
      sql`update phone_records set stage_status = '{"notify":{"status":"done"}}'::jsonb, updated_at = now() where id = ${id}`,
    );
    expect([await matches('planted'), await matches('hiring')]).toEqual([true, false]);
  });

  it('keeps contacts unique by E.164', async () => {
    await h.db.execute(sql`insert into contacts (first_name, phone_e164) values ('A', '+12125550100')`);
    await expect(
      h.db.execute(sql`insert into contacts (first_name, phone_e164) values ('B', '+12125550100')`),
    ).rejects.toThrow();
  });
});

describe('PostgreSQL on this machine, connections following their client thread priority', () => {
  it("gives each connection's server process the niceness asked for", async () => {
    const h = await openDatabase({ url: await freshPostgresUrl(), poolSize: 2, backendNiceness: 7 });
    try {
      // Two connections at once, so both of the pool's are opened (and reniced before their first query).
      const pids = await Promise.all(
        [1, 2].map(async () => {
          const r = await h.db.execute(sql`select pg_backend_pid() as pid, pg_sleep(0.2)`);
          return (r as unknown as { rows: { pid: number }[] }).rows[0]!.pid;
        }),
      );
      expect(new Set(pids).size).toBe(2);
      for (const pid of pids) {
        const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
        expect(Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]), `nice of backend ${pid}`).toBe(7);
      }
    } finally {
      await h.close();
    }
  });
});
