/** Properties of the relationship score, on PGlite and native PostgreSQL. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '../client.js';
import { tasks } from '../schema/index.js';
import { addCall, addContact, addMessage, daysAgo } from '../../test/seed.js';
import { dbKinds, freshDatabase, freshPostgresUrl } from '../../test/stack.js';
import { insightsFrom } from './insights.js';
import { recomputeScores, scoreQuery, type ScoreRow } from './scores.js';
import { openDatabase } from '../client.js';
import { sql } from 'drizzle-orm';

const NOW = new Date('2026-06-01T12:00:00Z');
let n = 0;
const phone = () => `+1212555${String(1000 + n++).padStart(4, '0')}`;

describe.each(dbKinds)('relationship score on %s', (kind) => {
  let database: DatabaseHandle;
  const db = () => database.db;
  /** A contact with calls `daysBefore` NOW (and optional SMS), scored as of NOW. */
  const person = async (
    calls: number[],
    o: {
      sms?: number[];
      missed?: number[];
      tier?: string;
      cadenceDays?: number;
      duration?: number;
      direction?: 'inbound' | 'outbound';
    } = {},
  ) => {
    const p = phone();
    const c = await addContact(db(), {
      firstName: 'P',
      phoneE164: p,
      tier: o.tier ?? null,
      cadenceDays: o.cadenceDays ?? null,
    });
    for (const d of calls)
      await addCall(db(), {
        phoneNumber: p,
        contactId: c.id,
        startedAt: daysAgo(d, NOW),
        durationSeconds: o.duration ?? 300,
        direction: o.direction ?? (d % 2 ? 'inbound' : 'outbound'),
      });
    for (const d of o.missed ?? [])
      await addCall(db(), {
        phoneNumber: p,
        contactId: c.id,
        startedAt: daysAgo(d, NOW),
        status: 'missed',
        durationSeconds: 0,
      });
    for (const d of o.sms ?? [])
      await addMessage(db(), { phoneNumber: p, contactId: c.id, occurredAt: daysAgo(d, NOW), text: 'hey' });
    return c.id;
  };
  const score = async (id: string): Promise<ScoreRow> => (await recomputeScores(db(), id, NOW)).rows[0]!;

  beforeAll(async () => {
    database = await freshDatabase(kind);
  });
  afterAll(async () => database?.close());

  it("rescores one contact with a prepared statement that gives the plain query's answer", async () => {
    const id = await person([1, 3, 8, 30], { sms: [2], missed: [5] });
    const prepared = await score(id);
    const plain = (await db().execute(scoreQuery(id, NOW))) as unknown as {
      rows: { score: number; strength: number; features: (number | null)[] }[];
    };
    expect(plain.rows).toHaveLength(1);
    expect(prepared.score).toBe(Number(plain.rows[0]!.score));
    expect(prepared.strength).toBeCloseTo(Number(plain.rows[0]!.strength), 12);
    expect(prepared.features).toEqual(plain.rows[0]!.features.map((v) => (v === null ? null : Number(v))));
    // Planned once per session: on a one-connection database the statement is there after use.
    const single = kind === 'pglite' ? database : await openDatabase({ url: await freshPostgresUrl(), poolSize: 1 });
    try {
      const other = await addContact(single.db, { firstName: 'Q', phoneE164: phone() });
      await recomputeScores(single.db, other.id, NOW);
      await recomputeScores(single.db, other.id, NOW);
      const statements = (await single.db.execute(
        sql`select count(*)::int as n from pg_prepared_statements where name like 'score_one_contact_%'`,
      )) as unknown as { rows: { n: number }[] };
      expect(statements.rows[0]!.n).toBe(1);
    } finally {
      if (single !== database) await single.close();
    }
  });

  it('scores more recent contact higher than the same pattern further back', async () => {
    const pattern = [2, 9, 16, 23, 30];
    const recent = await score(await person(pattern));
    const old = await score(await person(pattern.map((d) => d + 120)));
    expect(recent.score).toBeGreaterThan(old.score);
    expect(Number(recent.factors.recency)).toBeGreaterThan(Number(old.factors.recency));
  });

  it('scores more frequent contact higher', async () => {
    const often = await score(await person([1, 4, 8, 12, 15, 19, 23, 27, 31, 35]));
    const seldom = await score(await person([1, 35]));
    expect(often.score).toBeGreaterThan(seldom.score);
    expect(Number(often.factors.frequency)).toBeGreaterThan(Number(seldom.factors.frequency));
  });

  it('judges "overdue" against the contact\'s own rhythm, or the owner\'s cadence', async () => {
    // Both were last in touch 21 days ago: three weekly gaps late for one, early for the other.
    const weekly = await score(await person([21, 28, 35, 42, 49, 56]));
    const monthly = await score(await person([21, 51, 81, 111, 141]));
    expect(weekly.factors.usualGapDays).toBe(7);
    expect(monthly.factors.usualGapDays).toBe(30);
    expect(Number(weekly.factors.overdueRatio)).toBeCloseTo(3, 1);
    expect(Number(monthly.factors.overdueRatio)).toBeCloseTo(0.7, 1);
    expect(weekly.priority).toBeGreaterThan(monthly.priority);
    expect(insightsFrom(weekly.factors).map((i) => i.kind)).toContain('overdue');
    expect(insightsFrom(monthly.factors).map((i) => i.kind)).not.toContain('overdue');
    const withCadence = await score(await person([21, 51, 81, 111, 141], { cadenceDays: 10 }));
    expect(withCadence.factors).toMatchObject({ usualGapDays: 10, usualGapSource: 'cadence' });
    expect(insightsFrom(withCadence.factors).find((i) => i.kind === 'overdue')?.message).toMatch(
      /21 days .* cadence of 10/,
    );
  });

  it('counts a missed call and an SMS as interactions, at their event time', async () => {
    const nothing = await score(await person([]));
    const missed = await score(await person([], { missed: [3] }));
    const sms = await score(await person([], { sms: [3] }));
    expect(missed.score).toBeGreaterThan(nothing.score);
    expect(sms.score).toBeGreaterThan(nothing.score);
    expect(missed.factors).toMatchObject({ calls: 1, missedCalls: 1, daysSinceLast: 3 });
    expect(sms.factors).toMatchObject({ messages: 1, daysSinceLast: 3 });
    // A call logged today for 200 days ago is 200 days old (monica#6586: event time, not insert time).
    const backfilled = await score(await person([200]));
    expect(backfilled.factors.daysSinceLast).toBe(200);
  });

  it('rewards two-way contact, keeps declared tiers as a floor, and weighs open promises into priority', async () => {
    const mutual = await score(await person([2, 5, 8, 11, 14, 17]));
    const oneWay = await score(await person([2, 5, 8, 11, 14, 17], { direction: 'inbound' }));
    expect(Number(mutual.factors.reciprocity)).toBeGreaterThan(0.9);
    expect(Number(oneWay.factors.reciprocity)).toBe(0);
    expect(mutual.score).toBeGreaterThan(oneWay.score);
    const inner = await score(await person([], { tier: 'inner' }));
    expect(inner.score).toBeGreaterThanOrEqual(75);
    const id = await person([10, 20, 30]);
    const before = await score(id);
    await db()
      .insert(tasks)
      .values({ title: 'Send the photos', contactId: id, dueDate: daysAgo(14, NOW) });
    const after = await score(id);
    expect(after.factors.openTasks).toBe(1);
    expect(after.priority).toBeGreaterThan(before.priority);
    expect(insightsFrom(after.factors).map((i) => i.kind)).toContain('open_promises');
  });

  it('gives the same answer for one contact as the bulk pass does', async () => {
    const id = await person([3, 10, 17], { sms: [5], missed: [1] });
    const one = await score(id);
    const bulk = await recomputeScores(db(), null, NOW);
    expect(bulk.rows).toEqual([]);
    expect(bulk.written).toBeGreaterThan(1);
    const again = await score(id);
    expect(again.score).toBe(one.score);
    expect(again.factors).toEqual(one.factors);
  });
});
