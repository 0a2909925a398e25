/** PGlite on its worker thread: errors, transactions and ordering as PGlite itself gives them. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inFrontLane } from './lanes.js';
import { PgliteThread } from './pglite-thread.js';

describe('PGlite thread', () => {
  let db: PgliteThread;
  beforeAll(async () => {
    db = await PgliteThread.open(undefined, ['create table t (id int primary key, v text)']);
  });
  afterAll(async () => {
    await db.close();
  });

  it('returns rows in object and array mode, raw text where asked', async () => {
    await db.query('insert into t values ($1, $2)', [1, 'one']);
    expect((await db.query('select id, v from t where id = $1', [1])).rows).toEqual([{ id: 1, v: 'one' }]);
    expect((await db.query('select id, v from t where id = $1', [1], { rowMode: 'array' })).rows).toEqual([[1, 'one']]);
    const ts = await db.query(`select '2026-01-02T03:04:05Z'::timestamptz as t`, [], {
      parsers: { 1184: (v: string) => v },
    });
    expect(typeof (ts.rows[0] as { t: unknown }).t).toBe('string');
    expect((await db.query(`select '2026-01-02T03:04:05Z'::timestamptz as t`)).rows[0]).toEqual({
      t: new Date('2026-01-02T03:04:05Z'),
    });
  });

  it('runs a prepared statement with any parameter text, prepared once', async () => {
    const tricky = ["O'Reilly", "back\\slash \\' quote", 'line\nbreak', '$1 and ; semicolons', ''];
    for (const text of tricky) {
      const res = await db.prepared('t_echo', 'select $1::text as a, $2::int as b, $3::text as c, $4::numeric as d', [
        text,
        42,
        null,
        -1.5,
      ]);
      expect(res.rows).toEqual([{ a: text, b: 42, c: null, d: '-1.5' }]);
    }
    expect(
      (await db.query(`select count(*)::int as n from pg_prepared_statements where name = 't_echo'`)).rows,
    ).toEqual([{ n: 1 }]);
    await expect(db.prepared('bad name; drop table t', 'select 1', [])).rejects.toThrow(
      /invalid prepared statement name/,
    );
    await expect(db.prepared('t_nul', 'select $1::text', ['a\u0000b'])).rejects.toThrow(/NUL/);
  });

  it('refuses a parser that would have to run on the thread', async () => {
    await expect(db.query('select 1', [], { parsers: { 23: (v: string) => Number(v) * 2 } })).rejects.toThrow(
      /raw-text parsers/,
    );
  });

  it('keeps PostgreSQL error fields (a unique violation is 23505)', async () => {
    const err = (await db.query('insert into t values (1, $1)', ['again']).catch((e: unknown) => e)) as Error & {
      code?: string;
      constraint?: string;
    };
    expect(err).toBeInstanceOf(Error);
    expect(err.code).toBe('23505');
    expect(err.constraint).toBe('t_pkey');
  });

  it('rolls a transaction back when its body throws, and commits otherwise', async () => {
    await expect(
      db.transaction(async (tx) => {
        await tx.query('insert into t values (2, $1)', ['two']);
        throw new Error('changed my mind');
      }),
    ).rejects.toThrow('changed my mind');
    expect((await db.query('select count(*)::int as n from t where id = 2')).rows).toEqual([{ n: 0 }]);
    await db.transaction(async (tx) => void (await tx.query('insert into t values (3, $1)', ['three'])));
    expect((await db.query('select v from t where id = 3')).rows).toEqual([{ v: 'three' }]);
  });

  it('runs other callers after an open transaction, never inside it', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const tx = db.transaction(async (t) => {
      await t.query('insert into t values (4, $1)', ['four']);
      await gate;
      throw new Error('rolled back');
    });
    // Issued while the transaction is open: it must not see, or join, the uncommitted row.
    const outside = db.query('select count(*)::int as n from t where id = 4');
    release();
    await expect(tx).rejects.toThrow('rolled back');
    expect((await outside).rows).toEqual([{ n: 0 }]);
  });

  it('runs front-lane operations before waiting background ones, each lane in the order issued', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const done: string[] = [];
    const track = (name: string, p: Promise<unknown>) => p.then(() => done.push(name));
    // The session is held by a background transaction while the others queue.
    const held = track(
      'tx',
      db.transaction(async (t) => void (await t.query('select 1'), await gate)),
    );
    const queued = [
      track('background 1', db.query('select 1')),
      track('background 2', db.query('select 2')),
      track(
        'front 1',
        inFrontLane(() => db.query('select 3')),
      ),
      track('background 3', db.exec('select 4')),
      track(
        'front 2',
        inFrontLane(() => db.prepared('t_front', 'select $1::int as n', [5])),
      ),
    ];
    await new Promise((r) => setTimeout(r, 50));
    expect(done).toEqual([]);
    release();
    await Promise.all([held, ...queued]);
    expect(done).toEqual(['tx', 'front 1', 'front 2', 'background 1', 'background 2', 'background 3']);
  });

  it('keeps running after an operation fails, in either lane', async () => {
    const bad = inFrontLane(() => db.query('select * from no_such_table'));
    const after = db.query('select 7 as n');
    await expect(bad).rejects.toThrow(/no_such_table/);
    expect((await after).rows).toEqual([{ n: 7 }]);
  });
});
