/**
 * Relationship scores, computed set-based in one SQL pass: the same statement rescales one contact
 * after a call or every contact in bulk. The model (see README "Relationship score"):
 * time-decayed interaction mass with a relationship-age-stretched half-life, the contact's own
 * rhythm (how overdue against their median gap, or the owner's cadence), reciprocity, regularity
 * (distinct days, active months), call duration, sentiment trend and open commitments.
 */
import { sql } from 'drizzle-orm';
import type { Database } from '../client.js';

export const SCORER_VERSION = 'rhythm-v1';

export interface ScoreRow {
  contact_id: string;
  score: number;
  strength: number;
  priority: number;
  factors: Record<string, number | string | null>;
}

/**
 * Recompute and store scores for one contact (or all when `contactId` is null) as of `now`.
 * One statement writes a history row per contact and the current score on `contacts`; returns
 * the rows for one contact, and only the count for all (the bulk path moves no rows to the app).
 */
export async function recomputeScores(db: Database, contactId: string | null, now: Date = new Date()): Promise<{ written: number; rows: ScoreRow[] }> {
  const result = await db.execute(sql`
with params as (select ${now.toISOString()}::timestamptz as now, ${contactId}::uuid as only_id),
events as (
  select p.contact_id, coalesce(p.started_at, p.created_at) as t,
         case when p.direction = 'outbound' then 'out' else 'in' end as dir,
         case when p.status = 'completed' then 1.0 else 0.5 end
           * (1 + log(2, 1 + coalesce(p.duration_seconds, 0) / 60.0)) as w,
         p.duration_seconds as dur, p.status, p.sentiment_score as sent
    from phone_records p, params
   where p.contact_id is not null and (params.only_id is null or p.contact_id = params.only_id)
     and coalesce(p.started_at, p.created_at) <= params.now
  union all
  select m.contact_id, m.occurred_at, case when m.direction = 'outbound' then 'out' else 'in' end,
         0.6, null, 'sms', m.sentiment_score
    from messages m, params
   where m.contact_id is not null and (params.only_id is null or m.contact_id = params.only_id)
     and m.occurred_at <= params.now
),
ages as (
  select contact_id, min(t) as first_t, max(t) as last_t, count(*) as n from events group by contact_id
),
decayed as (
  select e.contact_id,
         -- half-life stretches with relationship age (longevity predicts persistence)
         90 * (1 + log(2, 1 + extract(epoch from (params.now - a.first_t)) / 86400 / 365)) as lambda_slow,
         e.t, e.dir, e.w, e.dur, e.status, e.sent,
         extract(epoch from (params.now - e.t)) / 86400 as age_days
    from events e join ages a using (contact_id), params
),
mass as (
  select contact_id,
         sum(w * power(2, -age_days / lambda_slow)) as ir_slow,
         sum(w * power(2, -age_days / 14)) as ir_fast,
         sum(case when dir = 'out' then w * power(2, -age_days / lambda_slow) else 0 end) as ir_out,
         sum(case when dir = 'in' then w * power(2, -age_days / lambda_slow) else 0 end) as ir_in,
         count(distinct date_trunc('day', t)) filter (where age_days <= 180) as active_days,
         count(distinct date_trunc('month', t)) filter (where age_days <= 365) as active_months,
         avg(dur) filter (where status = 'completed' and age_days <= 180) as avg_duration,
         sum(sent * power(2, -age_days / 14)) / nullif(sum(case when sent is not null then power(2, -age_days / 14) end), 0) as sent_recent,
         sum(sent * power(2, -age_days / 180)) / nullif(sum(case when sent is not null then power(2, -age_days / 180) end), 0) as sent_long,
         count(*) filter (where status in ('missed', 'rejected', 'busy')) as missed_calls,
         count(*) filter (where status = 'sms') as sms_count,
         count(*) filter (where status <> 'sms') as call_count
    from decayed group by contact_id
),
days as (
  select distinct contact_id, date_trunc('day', t) as d from events
),
gaps as (
  select contact_id, extract(epoch from (d - lag(d) over (partition by contact_id order by d))) / 86400 as gap,
         row_number() over (partition by contact_id order by d desc) as rn
    from days
),
rhythm as (
  select contact_id, percentile_cont(0.5) within group (order by gap) as median_gap, count(*) as gap_count
    from gaps where gap is not null and rn <= 21 group by contact_id
),
commitments as (
  select t.contact_id, count(*) as open_tasks,
         sum(1 + greatest(0, extract(epoch from (params.now - t.due_date)) / 86400) / 7) as promise_load
    from tasks t, params
   where t.status <> 'done' and t.contact_id is not null and (params.only_id is null or t.contact_id = params.only_id)
   group by t.contact_id
),
features as (
  select c.id as contact_id, c.tier, c.cadence_days,
         coalesce(m.ir_slow, 0) as ir_slow, coalesce(m.ir_fast, 0) as ir_fast,
         case when coalesce(m.ir_out, 0) + coalesce(m.ir_in, 0) = 0 then 0
              else 1 - abs(m.ir_out - m.ir_in) / (m.ir_out + m.ir_in) end as reciprocity,
         coalesce(m.active_days, 0) as active_days, coalesce(m.active_months, 0) / 12.0 as month_share,
         m.avg_duration, m.sent_recent, m.sent_long, coalesce(m.missed_calls, 0) as missed_calls,
         coalesce(m.call_count, 0) as call_count, coalesce(m.sms_count, 0) as sms_count,
         a.last_t, extract(epoch from (params.now - a.last_t)) / 86400 as days_since,
         coalesce(c.cadence_days::float8, case when r.gap_count >= 2 then greatest(r.median_gap, 1) end) as usual_gap,
         coalesce(k.open_tasks, 0) as open_tasks, coalesce(k.promise_load, 0) as promise_load,
         -- only the one-contact path reports the previous score (the bulk path skips 100k probes)
         case when params.only_id is not null then
           (select s.score from relationship_scores s where s.contact_id = c.id order by s.computed_at desc limit 1) end as previous_score
    from contacts c cross join params
    left join mass m on m.contact_id = c.id
    left join ages a on a.contact_id = c.id
    left join rhythm r on r.contact_id = c.id
    left join commitments k on k.contact_id = c.id
   where params.only_id is null or c.id = params.only_id
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
),
final as (
select contact_id, strength, overdue_ratio, previous_score,
       round(100 * strength)::int as score,
       strength * least(2, greatest(0, coalesce(overdue_ratio, 0) - 1)) + 0.1 * promise_load as priority,
       jsonb_build_object(
         'recency', round(coalesce(100 * power(2, -days_since / coalesce(usual_gap, 30)), 0)::numeric, 1),
         'frequency', round((100 * (1 - exp(-active_days / 10.0)))::numeric, 1),
         'duration', round(least(100, coalesce(avg_duration, 0) / 3.0)::numeric, 1),
         'sentiment', round((50 + 50 * coalesce(sent_recent, sent_long, 0))::numeric, 1),
         'engagement', round((100 * reciprocity)::numeric, 1),
         'interactionMass', round(ir_slow::numeric, 3),
         'interactionMassRecent', round(ir_fast::numeric, 3),
         'coolingRatio', case when ir_slow > 0 then round((ir_fast / ir_slow)::numeric, 3) end,
         'reciprocity', round(reciprocity::numeric, 3),
         'activeDays180', active_days,
         'activeMonthShare', round(month_share::numeric, 3),
         'avgCallSeconds', round(avg_duration::numeric, 0),
         'daysSinceLast', round(days_since::numeric, 1),
         'usualGapDays', round(usual_gap::numeric, 1),
         'usualGapSource', case when cadence_days is not null then 'cadence' when usual_gap is not null then 'rhythm' end,
         'overdueRatio', round(overdue_ratio::numeric, 2),
         'sentimentRecent', round(sent_recent::numeric, 3),
         'sentimentLong', round(sent_long::numeric, 3),
         'sentimentDrift', round((sent_recent - sent_long)::numeric, 3),
         'openTasks', open_tasks,
         'promiseLoad', round(promise_load::numeric, 2),
         'calls', call_count, 'missedCalls', missed_calls, 'messages', sms_count,
         'tier', tier, 'lastInteractionAt', last_t
       ) as factors
  from scored
),
hist as (
  insert into relationship_scores (contact_id, score, strength, priority, factors, scorer_version, computed_at)
  select contact_id, score, strength, coalesce(priority, 0), factors, ${SCORER_VERSION}, (select now from params) from final
  returning contact_id
),
upd as (
  update contacts c set relationship_score = f.score, relationship_priority = coalesce(f.priority, 0), score_updated_at = (select now from params)
    from final f where c.id = f.contact_id
  returning c.id
)
select f.*, (select count(*) from hist)::int as written
  from final f
 where (select only_id from params) is not null
union all
select null, null, null, null, null, null, null, (select count(*) from hist)::int
 where (select only_id from params) is null`);
  const rows = (result as unknown as { rows: (ScoreRow & { written: number })[] }).rows;
  if (contactId === null) return { written: rows[0]?.written ?? 0, rows: [] };
  const scored = rows.filter((r) => r.contact_id !== null).map(({ written: _w, ...r }) => ({ ...r, strength: Number(r.strength), priority: Number(r.priority ?? 0) }));
  return { written: scored.length, rows: scored };
}
