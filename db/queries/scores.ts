/**
 * Relationship scores, computed set-based in SQL: the same query scores one contact after a call
 * or every contact in one pass. The model (docs/api.md, "Relationship score"): time-decayed interaction
 * mass with a relationship-age-stretched half-life, the contact's own rhythm (how overdue against
 * their median gap, or the owner's cadence), reciprocity, regularity (distinct days, active
 * months), call duration, sentiment trend and open commitments. Each score stores its feature
 * vector (named by FEATURE_KEYS for its scorer version), so every number can be explained later.
 */
import { sql, type SQL } from 'drizzle-orm';
import { definePrepared, placeholder } from '../prepared.js';
import type { Database } from '../client.js';

export const SCORER_VERSION = 'rhythm-v2';

/** The order of `relationship_scores.features` for SCORER_VERSION. */
export const FEATURE_KEYS = [
  'recency',
  'frequency',
  'duration',
  'sentiment',
  'engagement',
  'interactionMass',
  'interactionMassRecent',
  'coolingRatio',
  'reciprocity',
  'activeDays180',
  'activeMonthShare',
  'avgCallSeconds',
  'daysSinceLast',
  'usualGapDays',
  'usualGapFromCadence',
  'overdueRatio',
  'sentimentRecent',
  'sentimentLong',
  'sentimentDrift',
  'openTasks',
  'promiseLoad',
  'calls',
  'missedCalls',
  'messages',
] as const;

export type Factors = Record<string, number | string | null>;

export interface ScoreRow {
  contact_id: string;
  last_interaction_at?: Date | string | null;
  score: number;
  strength: number;
  priority: number;
  features: (number | null)[];
  factors: Factors;
}

const PRECISION: Partial<Record<(typeof FEATURE_KEYS)[number], number>> = {
  recency: 1,
  frequency: 1,
  duration: 1,
  sentiment: 1,
  engagement: 1,
  daysSinceLast: 1,
  usualGapDays: 1,
  overdueRatio: 2,
  promiseLoad: 2,
  avgCallSeconds: 0,
  activeDays180: 0,
  openTasks: 0,
  calls: 0,
  missedCalls: 0,
  messages: 0,
};

/** The named, rounded factors of a stored feature vector (the API's explanation of a score). */
export function factorsOf(features: readonly (number | string | null)[] | null | undefined): Factors {
  const out: Factors = {};
  FEATURE_KEYS.forEach((key, i) => {
    const raw = features?.[i];
    const v = raw === null || raw === undefined ? null : Number(raw);
    if (key === 'usualGapFromCadence') {
      out.usualGapSource = v === null ? null : v === 1 ? 'cadence' : 'rhythm';
      return;
    }
    const digits = PRECISION[key] ?? 3;
    out[key] = v === null || !Number.isFinite(v) ? null : Math.round(v * 10 ** digits) / 10 ** digits;
  });
  return out;
}

/**
 * Recompute and store scores for one contact (or all when `contactId` is null) as of `now`.
 * Writes a history row per contact and the current score on `contacts`, atomically (one statement
 * for one contact, one transaction per slice for all);
 * returns the rows for one contact, and only the count for all (no rows travel to the app).
 */
export async function recomputeScores(
  db: Database,
  contactId: string | null,
  now: Date = new Date(),
  options: { slices?: number } = {},
): Promise<{ written: number; rows: ScoreRow[] }> {
  // The bulk pass may run as N disjoint slices of contacts on N connections (PostgreSQL cannot
  // parallelise a query over shared CTEs itself); on PGlite the slices simply run in turn.
  const slices = contactId === null ? Math.max(1, Math.min(16, Math.floor(options.slices ?? 1))) : 1;
  const parts = await Promise.all(
    Array.from({ length: slices }, (_, index) => scoreSlice(db, contactId, now, { index, count: slices })),
  );
  return { written: parts.reduce((n, p) => n + p.written, 0), rows: parts.flatMap((p) => p.rows) };
}

const historyColumns = sql.raw('contact_id, score, strength, priority, features, scorer_version, computed_at');

/** Writes history and current score from the rows of `source` (a relation with the scoring columns). */
const writeScores = (source: SQL, at: SQL) => ({
  history: sql`insert into relationship_scores (${historyColumns})
      select contact_id, score, strength, priority, features, ${SCORER_VERSION}, ${at} from ${source}`,
  current: sql`update contacts c set relationship_score = s.score, relationship_priority = s.priority, score_updated_at = ${at},
             -- "last touched" by event time, also for imported or merged history; never backwards
             last_contacted_at = greatest(c.last_contacted_at, s.last_interaction_at)
        from ${source} s
       where c.id = s.contact_id
         -- rows whose score did not move keep their row version (every index of contacts is spared)
         and (c.relationship_score is distinct from s.score or c.relationship_priority is distinct from s.priority
              or s.last_interaction_at > coalesce(c.last_contacted_at, '-infinity'::timestamptz))`,
});

const toScoreRow = (r: Omit<ScoreRow, 'factors'>): ScoreRow => ({
  ...r,
  strength: Number(r.strength),
  priority: Number(r.priority),
  features: r.features.map((v) => (v === null ? null : Number(v))),
  factors: factorsOf(r.features),
});

/**
 * One contact (the pipeline's rescore, after every call): the same scoring query, with its writes
 * as data-modifying CTEs of one statement (a temporary table costs more than the scoring at this
 * size), built once and prepared: planning it costs more than running it for one contact.
 */
const scoreOneContact = definePrepared<{ contactId: string; now: string }>('score_one_contact', () => {
  const at = placeholder('now', 'timestamptz');
  const write = writeScores(sql.raw('calc'), at);
  return sql`with calc as (${scoreQuery(placeholder('contactId', 'uuid'), at)}),
      score_history as (${write.history}),
      current_score as (${write.current})
      select * from calc`;
});

const timeOf = (now: Date) => sql`${now.toISOString()}::timestamptz`;

/** One contact's score as of `now`, computed and not stored (reading a score writes nothing). */
export async function computeScore(db: Database, contactId: string, now: Date = new Date()): Promise<ScoreRow | null> {
  const res = (await db.execute(scoreQuery(contactId, now))) as unknown as { rows: Omit<ScoreRow, 'factors'>[] };
  const [row] = res.rows;
  return row ? toScoreRow(row) : null;
}

async function scoreSlice(
  db: Database,
  contactId: string | null,
  now: Date,
  slice: Slice,
): Promise<{ written: number; rows: ScoreRow[] }> {
  if (contactId !== null) {
    const res = (await scoreOneContact(db, { contactId, now: now.toISOString() })) as unknown as {
      rows: Omit<ScoreRow, 'factors'>[];
    };
    return { written: res.rows.length, rows: res.rows.map(toScoreRow) };
  }
  return db.transaction(async (tx) => {
    // One read-only pass computes the slice's scores; history and the current score are then
    // written from it, set-based, in the same transaction.
    await tx.execute(sql`set local work_mem = '256MB'`);
    await tx.execute(sql`create temporary table score_calc on commit drop as ${scoreQuery(contactId, now, slice)}`);
    const write = writeScores(sql.raw('score_calc'), timeOf(now));
    await tx.execute(write.history);
    await tx.execute(write.current);
    const [count] = (
      (await tx.execute(sql`select count(*)::int as n from score_calc`)) as unknown as { rows: { n: number }[] }
    ).rows;
    return { written: count?.n ?? 0, rows: [] };
  });
}

/** Which part of the contacts a bulk pass covers: those whose id's last byte is `index` mod `count`. */
export interface Slice {
  index: number;
  count: number;
}

/** The scoring query: one row per contact with score, strength, priority and the feature vector. */
export function scoreQuery(contactId: string | SQL | null, now: Date | SQL, slice: Slice = { index: 0, count: 1 }) {
  // One contact or all: a plain equality (or nothing), so a prepared plan for one contact uses the
  // contact indexes. Times are epoch seconds as float8 (date_part): extract() returns numeric,
  // which is an order of magnitude slower here.
  const at = now instanceof Date ? timeOf(now) : now;
  const atEpoch = sql`date_part('epoch', ${at})`;
  const contact = typeof contactId === 'string' ? sql`${contactId}::uuid` : contactId;
  const only = (id: SQL) => (contact === null ? sql`true` : sql`${id} = ${contact}`);
  const inSlice = (id: SQL) =>
    slice.count === 1 ? sql`true` : sql`get_byte(uuid_send(${id}), 15) % ${slice.count}::int = ${slice.index}::int`;
  return sql`
with events as (
  select p.contact_id, coalesce(p.started_at, p.created_at) as t,
         p.direction = 'outbound' as outbound,
         (case when p.status = 'completed' then 1.0::float8 else 0.5::float8 end)
           * (1 + ln(1 + coalesce(p.duration_seconds, 0) / 60.0::float8) / ln(2::float8)) as w,
         p.duration_seconds as dur, p.status, p.sentiment_score::float8 as sent
    from phone_records p
   where p.contact_id is not null and ${only(sql`p.contact_id`)} and ${inSlice(sql`p.contact_id`)}
     and coalesce(p.started_at, p.created_at) <= ${at}
  union all
  select m.contact_id, m.occurred_at, m.direction = 'outbound', 0.6::float8, null, 'sms', m.sentiment_score::float8
    from messages m
   where m.contact_id is not null and ${only(sql`m.contact_id`)} and ${inSlice(sql`m.contact_id`)}
     and m.occurred_at <= ${at}
),
ages as (
  -- per contact: first and last interaction, and the slow half-life in days, stretched by the
  -- relationship's age (longevity predicts persistence)
  select contact_id, min(t) as first_t, max(t) as last_t,
         90 * (1 + ln(1 + (${atEpoch} - date_part('epoch', min(t))) / 31536000) / ln(2::float8)) as half_life
    from events group by contact_id
),
mass as (
  -- three decay kernels per event (the slow half-life, 14 days, 180 days), each computed once:
  -- "offset 0" keeps the planner from inlining the kernels into every aggregate that reads them
  select e.contact_id,
         sum(e.w * k.slow) as ir_slow,
         sum(e.w * k.fast) as ir_fast,
         coalesce(sum(e.w * k.slow) filter (where e.outbound), 0) as ir_out,
         coalesce(sum(e.w * k.slow) filter (where not e.outbound), 0) as ir_in,
         avg(e.dur) filter (where e.status = 'completed' and k.age_days <= 180)::float8 as avg_duration,
         sum(e.sent * k.fast) / nullif(sum(k.fast) filter (where e.sent is not null), 0) as sent_recent,
         sum(e.sent * k.half_year) / nullif(sum(k.half_year) filter (where e.sent is not null), 0) as sent_long,
         count(*) filter (where e.status in ('missed', 'rejected', 'busy')) as missed_calls,
         count(*) filter (where e.status = 'sms') as sms_count,
         count(*) filter (where e.status <> 'sms') as call_count
    from events e join ages a using (contact_id)
    cross join lateral (
      select x.age_days, exp(-x.age_days * ln(2::float8) / a.half_life) as slow,
             exp(-x.age_days * ln(2::float8) / 14) as fast, exp(-x.age_days * ln(2::float8) / 180) as half_year
        from (select (${atEpoch} - date_part('epoch', e.t)) / 86400 as age_days) x offset 0) k
   group by e.contact_id
),
day_rows as (
  -- one row per contact and day with contact, in one sorted window pass: the gap to the previous
  -- day, and whether the day opens a month within the last year
  select contact_id, d,
         (date_part('epoch', d) - date_part('epoch', lag(d) over w)) / 86400 as gap,
         (date_trunc('month', d) is distinct from date_trunc('month', lag(d) over w) or lag(d) over w <= ${at} - interval '365 days') as opens_month
    from (select contact_id, date_trunc('day', t) as d from events group by 1, 2) days
  window w as (partition by contact_id order by d)
),
day_stats as (
  -- regularity, and the contact's own rhythm: the median gap between days with contact over the
  -- last year (all of history when the last year has fewer than three gaps)
  select contact_id,
         count(*) filter (where d > ${at} - interval '180 days') as active_days,
         count(*) filter (where opens_month and d > ${at} - interval '365 days') as active_months,
         percentile_cont(0.5) within group (order by gap) filter (where d > ${at} - interval '365 days') as median_gap_year,
         count(gap) filter (where d > ${at} - interval '365 days') as gaps_year,
         percentile_cont(0.5) within group (order by gap) as median_gap_all,
         count(gap) as gap_count
    from day_rows group by contact_id
),
commitments as (
  select t.contact_id, count(*) as open_tasks,
         sum(1 + greatest(0, (${atEpoch} - date_part('epoch', t.due_date)) / 86400) / 7) as promise_load
    from tasks t
   where t.status not in ('done', 'cancelled') and t.contact_id is not null and ${only(sql`t.contact_id`)} and ${inSlice(sql`t.contact_id`)}
   group by t.contact_id
),
features as (
  select c.id as contact_id, c.tier, c.cadence_days,
         coalesce(m.ir_slow, 0) as ir_slow, coalesce(m.ir_fast, 0) as ir_fast,
         case when coalesce(m.ir_out, 0) + coalesce(m.ir_in, 0) = 0 then 0
              else 1 - abs(m.ir_out - m.ir_in) / (m.ir_out + m.ir_in) end as reciprocity,
         coalesce(ds.active_days, 0) as active_days, coalesce(ds.active_months, 0) / 12.0::float8 as month_share,
         m.avg_duration, m.sent_recent, m.sent_long, coalesce(m.missed_calls, 0) as missed_calls,
         coalesce(m.call_count, 0) as call_count, coalesce(m.sms_count, 0) as sms_count,
         a.last_t, (${atEpoch} - date_part('epoch', a.last_t)) / 86400 as days_since,
         coalesce(c.cadence_days::float8, case when ds.gaps_year >= 3 then greatest(ds.median_gap_year, 1) when ds.gap_count >= 2 then greatest(ds.median_gap_all, 1) end) as usual_gap,
         coalesce(k.open_tasks, 0) as open_tasks, coalesce(k.promise_load, 0) as promise_load
    from contacts c
    left join mass m on m.contact_id = c.id
    left join day_stats ds on ds.contact_id = c.id
    left join ages a on a.contact_id = c.id
    left join commitments k on k.contact_id = c.id
   where ${only(sql`c.id`)} and ${inSlice(sql`c.id`)}
),
scored as (
  select f.*,
         greatest(
           1 / (1 + exp(-(-3.2 + 1.3 * ln(1 + ir_slow) + 0.9 * reciprocity + 0.45 * ln(1 + active_days)
                        + 1.0 * month_share + 0.4 * coalesce(sent_long, 0)))),
           -- silence never lowers closeness below the tier the owner declared
           case tier when 'inner' then 0.75 when 'close' then 0.6 when 'friend' then 0.45 when 'acquaintance' then 0.2 else 0 end
         ) as strength,
         case when usual_gap is null or days_since is null then null else days_since / usual_gap end as overdue_ratio
    from features f
)
select contact_id, strength, last_t as last_interaction_at,
       round(100 * strength)::int as score,
       -- real, rounded: the stored priority only changes when it changes visibly
       round((strength * least(2, greatest(0, coalesce(overdue_ratio, 0) - 1)) + 0.1 * promise_load)::numeric, 2)::real as priority,
       -- FEATURE_KEYS order; recency..engagement keep the seed's 0-100 factor names
       array[
         coalesce(100 * power(2, -days_since / coalesce(usual_gap, 30)), 0),
         100 * (1 - exp(-active_days / 10.0::float8)),
         least(100, coalesce(avg_duration, 0) / 3.0::float8),
         50 + 50 * coalesce(sent_recent, sent_long, 0),
         100 * reciprocity,
         ir_slow, ir_fast, case when ir_slow > 0 then ir_fast / ir_slow end, reciprocity,
         active_days, month_share, avg_duration,
         days_since, usual_gap, case when cadence_days is not null then 1 when usual_gap is not null then 0 end, overdue_ratio,
         sent_recent, sent_long, sent_recent - sent_long,
         open_tasks, promise_load, call_count, missed_calls, sms_count
       ]::float8[] as features
  from scored`;
}
