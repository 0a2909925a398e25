/** Read models for the dashboard: the overview and one contact's intelligence. */
import { and, desc, eq, inArray, sql } from 'drizzle-orm';
import { rowsOf, type Database } from '../client.js';
import { messages, phoneRecords, relationshipScores, tasks } from '../schema/index.js';

/** A timestamptz as ISO 8601 in UTC, like every other time the API answers with. */
const iso = (expr: string) => sql.raw(`to_char((${expr}) at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`);

/** Counts, top and needs-attention contacts, recent calls, upcoming tasks and `days` days of call stats. */
export async function overview(db: Database, now: Date, days = 7) {
  const t = now.toISOString();
  // Independent reads: on PostgreSQL they run side by side on the pool; PGlite takes them in turn.
  const [countRows, topContacts, needsAttention, recentCalls, upcomingTasks, callStats] = await Promise.all([
    db.execute(sql`
      select (select count(*) from contacts)::int as contacts,
             w.calls as "callsThisWeek", w.missed as "missedCallsThisWeek",
             (select count(*) from messages where occurred_at >= ${t}::timestamptz - interval '7 days')::int as "messagesThisWeek",
             (select count(*) from tasks where status in ('open', 'in_progress'))::int as "openTasks",
             (select count(*) from calendar_events where start_time >= ${t}::timestamptz)::int as "upcomingEvents"
        from (select count(*)::int as calls, (count(*) filter (where status in ('missed', 'rejected', 'busy')))::int as missed
                from phone_records where coalesce(started_at, created_at) >= ${t}::timestamptz - interval '7 days') w`),
    db.execute(sql`
      select id, first_name as "firstName", last_name as "lastName", company, relationship_score as "relationshipScore", ${iso('last_contacted_at')} as "lastContactedAt"
        from contacts order by relationship_score desc nulls last, id limit 5`),
    db.execute(sql`
      select id, first_name as "firstName", last_name as "lastName", relationship_score as "relationshipScore",
             relationship_priority as "priority", ${iso('last_contacted_at')} as "lastContactedAt"
        from contacts where relationship_priority > 0 order by relationship_priority desc nulls last, id limit 5`),
    db.execute(sql`
      select p.id, p.phone_number as "phoneNumber", p.direction, p.status, p.duration_seconds as duration,
             ${iso('coalesce(p.started_at, p.created_at)')} as "createdAt", p.summary, p.sentiment,
             c.id as "contactId", c.first_name as "contactFirstName", c.last_name as "contactLastName"
        from phone_records p left join contacts c on c.id = p.contact_id
       order by coalesce(p.started_at, p.created_at) desc, p.id desc limit 5`),
    db.execute(sql`
      select id, title, status, priority, ${iso('due_date')} as "dueDate", contact_id as "contactId", phone_record_id as "phoneRecordId"
        from tasks where status in ('open', 'in_progress') and due_date >= date_trunc('day', ${t}::timestamptz)
       order by due_date, id limit 5`),
    db.execute(sql`
      select to_char(d.day, 'YYYY-MM-DD') as date, count(p.id)::int as count,
             coalesce(sum(p.duration_seconds), 0)::int as "totalDuration",
             count(p.id) filter (where p.status in ('missed', 'rejected', 'busy'))::int as missed
        from generate_series(date_trunc('day', ${t}::timestamptz) - make_interval(days => ${days - 1}::int), date_trunc('day', ${t}::timestamptz), interval '1 day') as d(day)
        left join phone_records p on coalesce(p.started_at, p.created_at) >= d.day and coalesce(p.started_at, p.created_at) < d.day + interval '1 day'
       group by d.day order by d.day`),
  ]);
  return {
    counts: rowsOf<Record<string, number>>(countRows)[0]!,
    topContacts: rowsOf(topContacts),
    needsAttention: rowsOf(needsAttention),
    recentCalls: rowsOf(recentCalls),
    upcomingTasks: rowsOf(upcomingTasks),
    callStats: rowsOf(callStats),
  };
}

/** One contact's interactions, sentiment trend (weekly, 12 weeks), open tasks and recent topics. */
export async function contactIntelligence(db: Database, contactId: string, now: Date) {
  const t = now.toISOString();
  const [totals] = rowsOf<Record<string, number | string | null>>(
    await db.execute(sql`
    select count(*)::int as "totalCalls",
           count(*) filter (where status = 'completed')::int as "answeredCalls",
           count(*) filter (where status in ('missed', 'rejected', 'busy'))::int as "missedCalls",
           count(*) filter (where direction = 'inbound')::int as "inboundCalls",
           count(*) filter (where direction = 'outbound')::int as "outboundCalls",
           coalesce(sum(duration_seconds), 0)::int as "totalDuration",
           coalesce(round(avg(duration_seconds) filter (where status = 'completed')), 0)::int as "avgDuration",
           count(*) filter (where sentiment = 'positive')::int as positive,
           count(*) filter (where sentiment = 'neutral')::int as neutral,
           count(*) filter (where sentiment = 'negative')::int as negative,
           (select count(*) from messages where contact_id = ${contactId}::uuid)::int as "totalMessages",
           max(coalesce(started_at, created_at)) as "lastCallAt"
      from phone_records where contact_id = ${contactId}::uuid`),
  );
  const sentimentTrend = rowsOf(
    await db.execute(sql`
    select to_char(w.week, 'YYYY-MM-DD') as week, round(avg(x.s)::numeric, 3)::float8 as sentiment, count(x.s)::int as interactions
      from generate_series(date_trunc('week', ${t}::timestamptz) - interval '11 weeks', date_trunc('week', ${t}::timestamptz), interval '1 week') as w(week)
      left join (
        select coalesce(started_at, created_at) as at, sentiment_score as s from phone_records where contact_id = ${contactId}::uuid and sentiment_score is not null
        union all select occurred_at, sentiment_score from messages where contact_id = ${contactId}::uuid and sentiment_score is not null
      ) x on x.at >= w.week and x.at < w.week + interval '1 week'
     group by w.week order by w.week`),
  );
  const topics = rowsOf<{ topic: string; count: number }>(
    await db.execute(sql`
    select topic, count(*)::int as count
      from (select jsonb_array_elements_text(topics) as topic from phone_records
             where contact_id = ${contactId}::uuid and jsonb_typeof(topics) = 'array'
             order by coalesce(started_at, created_at) desc limit 200) x
     group by topic order by count desc, topic limit 10`),
  );
  return { totals: totals!, sentimentTrend, topics };
}

/** The contact's most recent stored score, if any. */
export async function latestScore(db: Database, contactId: string) {
  const [row] = await db
    .select()
    .from(relationshipScores)
    .where(eq(relationshipScores.contactId, contactId))
    .orderBy(desc(relationshipScores.computedAt), desc(relationshipScores.id))
    .limit(1);
  return row;
}

/** What the contact page lists: the last 10 calls, the last 5 texts and the open tasks (soonest due first). */
export async function contactRecent(db: Database, contactId: string) {
  const [calls, texts, openTasks] = await Promise.all([
    db
      .select()
      .from(phoneRecords)
      .where(eq(phoneRecords.contactId, contactId))
      .orderBy(desc(phoneRecords.startedAt), desc(phoneRecords.id))
      .limit(10),
    db.select().from(messages).where(eq(messages.contactId, contactId)).orderBy(desc(messages.occurredAt)).limit(5),
    db
      .select()
      .from(tasks)
      .where(and(eq(tasks.contactId, contactId), inArray(tasks.status, ['open', 'in_progress'])))
      .orderBy(tasks.dueDate),
  ]);
  return { calls, texts, openTasks };
}
