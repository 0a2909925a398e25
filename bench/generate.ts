/**
 * Synthetic data at benchmark scale, generated inside PostgreSQL (set-based, so a million calls
 * take seconds): contacts with valid US numbers, calls with a skewed per-contact distribution over
 * two years, messages, tasks, and embedded passages. Passages are real sentence embeddings from the
 * local model for a few thousand template sentences, each reused with small per-row noise, so the
 * vectors cluster the way real transcripts do rather than spreading uniformly.
 */
import { sql } from 'drizzle-orm';
import { createLocalEmbeddings } from '../activities/providers/embeddings/local.js';
import type { Database } from '../db/client.js';
import { say } from './lib.js';

export const AREA_CODES = [
  '212',
  '415',
  '617',
  '312',
  '206',
  '303',
  '503',
  '718',
  '917',
  '202',
  '305',
  '404',
  '512',
  '602',
  '702',
  '808',
  '213',
  '310',
  '646',
  '347',
];

/** The E.164 number of generated contact `g` (1-based); valid for libphonenumber. */
export function benchPhone(g: number): string {
  const rest = Math.floor(g / 20);
  const exchange = 200 + (Math.floor(rest / 10000) % 700);
  return `+1${AREA_CODES[g % 20]}${exchange}${String(rest % 10000).padStart(4, '0')}`;
}

const SUBJECTS = [
  'the dentist appointment',
  'the furnace repair',
  'our flight to Lisbon',
  'the March invoice',
  'grandma in the hospital',
  'the new puppy',
  'the job offer',
  'the car brakes',
  'the wedding toast',
  'the lease renewal',
  'the tax documents',
  'the soccer tournament',
  'the kitchen remodel',
  'the school play',
  'the insurance claim',
  'the birthday party',
  'the quarterly report',
  'the moving truck',
  'the garden fence',
  'the concert tickets',
];
const ACTIONS = [
  'needs to be rescheduled to',
  'was confirmed for',
  'got cancelled, let us talk about',
  'is running late because of',
  'costs more than expected for',
  'should be sorted out before',
  'went really well during',
  'is still waiting on',
  'needs your signature for',
  'came up again at',
];
const WHEN = [
  'next Monday',
  'the weekend',
  'Thursday afternoon',
  'the end of the month',
  'tomorrow morning',
  'the holidays',
  'early June',
  'Friday evening',
  'after lunch',
  'the long weekend',
  'next quarter',
  'tonight',
];

/** Template sentences: 20 subjects x 10 actions x 12 times = 2,400. */
export function templateSentences(): string[] {
  const out: string[] = [];
  for (const s of SUBJECTS)
    for (const a of ACTIONS) for (const w of WHEN) out.push(`Calling about ${s}: it ${a} ${w}.`);
  return out;
}

export interface Sizes {
  contacts: number;
  calls: number;
  passages: number;
  messages: number;
  tasks: number;
}

export async function generate(db: Database, sizes: Sizes, model: string) {
  const t0 = performance.now();
  say(`generating ${sizes.contacts} contacts ...`);
  const areas = `{${AREA_CODES.join(',')}}`;
  await db.execute(sql`
    insert into contacts (first_name, last_name, company, phone_e164, tier, created_at)
    select 'First' || g, 'Last' || (g % 5000), case when g % 3 = 0 then 'Company ' || (g % 2000) end,
           '+1' || (${areas}::text[])[g % 20 + 1] || (200 + ((g / 20) / 10000) % 700)::text || lpad(((g / 20) % 10000)::text, 4, '0'),
           case when g % 50 = 0 then 'close' end, now() - interval '3 years'
      from generate_series(1, ${sizes.contacts}) g`);
  await db.execute(
    sql`create temporary table bench_cn as select row_number() over (order by phone_e164) as rn, id, phone_e164 from contacts`,
  );
  await db.execute(sql`create index on bench_cn (rn)`);
  say(`generating ${sizes.calls} calls ...`);
  // Skewed: a few contacts get many calls (power law), 8% of calls come from unknown numbers.
  await db.execute(sql`
    insert into phone_records (call_session_id, contact_id, phone_number, direction, status, started_at, ended_at, duration_seconds, sentiment, sentiment_score, stage_status, created_at)
    select 'bench-' || x.g, case when x.unknown then null else cn.id end,
           case when x.unknown then '+1555' || lpad((x.g % 10000000)::text, 7, '0') else cn.phone_e164 end,
           case when x.r1 < 0.6 then 'inbound' else 'outbound' end,
           case when x.r2 < 0.85 then 'completed' when x.r2 < 0.95 then 'missed' else 'rejected' end,
           x.started, x.started + make_interval(secs => x.dur), case when x.r2 < 0.85 then x.dur else 0 end,
           case when x.r3 < 0.5 then 'positive' when x.r3 < 0.85 then 'neutral' else 'negative' end, (x.r3 * -2 + 1.4),
           '{}'::jsonb, x.started + interval '5 minutes'
      from (select g, random() < 0.08 as unknown, 1 + floor(${sizes.contacts} * power(random(), 2.5))::int as rn,
                   random() as r1, random() as r2, random() as r3, (30 + random() * 900)::int as dur,
                   now() - random() * interval '730 days' as started
              from generate_series(1, ${sizes.calls}) g) x
      join bench_cn cn on cn.rn = x.rn`);
  say(`generating ${sizes.messages} messages and ${sizes.tasks} tasks ...`);
  await db.execute(sql`
    insert into messages (telnyx_message_id, contact_id, direction, phone_number, text, status, occurred_at, sentiment_score)
    select 'bench-m-' || x.g, cn.id, case when random() < 0.5 then 'inbound' else 'outbound' end, cn.phone_e164,
           'message ' || x.g, 'delivered', now() - random() * interval '365 days', random() - 0.3
      from (select g, 1 + floor(${sizes.contacts} * power(random(), 2.5))::int as rn from generate_series(1, ${sizes.messages}) g) x
      join bench_cn cn on cn.rn = x.rn`);
  await db.execute(sql`
    insert into tasks (title, status, due_date, contact_id, source)
    select 'task ' || x.g, case when random() < 0.6 then 'done' else 'open' end, now() + (random() * 60 - 30) * interval '1 day', cn.id, 'manual'
      from (select g, 1 + floor(${sizes.contacts} * random())::int as rn from generate_series(1, ${sizes.tasks}) g) x
      join bench_cn cn on cn.rn = x.rn`);
  await db.execute(sql`
    update contacts c set last_contacted_at = x.t from (select contact_id, max(started_at) as t from phone_records where contact_id is not null group by contact_id) x
     where c.id = x.contact_id`);

  say(`embedding ${templateSentences().length} template sentences with the local model ...`);
  const sentences = templateSentences();
  const embeddings = createLocalEmbeddings();
  await db.execute(sql`create temporary table bench_base (i int primary key, content text, v vector(512))`);
  for (let i = 0; i < sentences.length; i += 100) {
    const batch = sentences.slice(i, i + 100);
    const vectors = await embeddings.embed(batch);
    const values = batch.map((s, j) => sql`(${i + j}, ${s}, ${`[${vectors[j]!.join(',')}]`}::vector)`);
    await db.execute(sql`insert into bench_base values ${sql.join(values, sql`, `)}`);
  }
  say(`generating ${sizes.passages} passages (template vector + noise) ...`);
  await db.execute(sql`drop index if exists embeddings_hnsw_idx`);
  const chunk = 20_000;
  for (let start = 0; start < sizes.passages; start += chunk) {
    const n = Math.min(chunk, sizes.passages - start);
    // The noise subquery references the outer row so it is drawn per row, not once.
    await db.execute(sql`
      insert into embeddings (source_type, source_id, contact_id, kind, chunk_index, content, model, embedding, occurred_at)
      select 'call', p.id, p.contact_id, 'transcript', 0, b.content, ${model},
             b.v + (select array_agg((random() - 0.5) * 0.08)::vector from generate_series(1, 512) where p.id is not null),
             p.started_at
        from (select id, contact_id, duration_seconds, started_at, row_number() over (order by call_session_id) as rn
                from phone_records where call_session_id like 'bench-%' order by call_session_id offset ${start} limit ${n}) p
        join bench_base b on b.i = (p.rn * 7919) % ${sentences.length}`);
  }
  say('building the HNSW index (as the migration defines it) ...');
  await db.execute(sql`set maintenance_work_mem = '1GB'`);
  await db.execute(sql`set max_parallel_maintenance_workers = 2`);
  await db.execute(sql`create index embeddings_hnsw_idx on embeddings using hnsw (embedding vector_cosine_ops)`);
  await db.execute(sql`analyze`);
  say(`generated in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  return { sentences };
}
