/**
 * The seed's algorithms, re-expressed on our schema so they run on the same data in the same run:
 * its caller-ID query (REPLACE/LIKE over free-form phone strings) and its per-contact scoring loop
 * (three queries and an update per contact, fixed buckets). Baselines only; the product never uses them.
 */
import { sql } from 'drizzle-orm';
import { rowsOf, type Database } from '../db/client.js';

/** The seed stored phone numbers as typed; give the baseline table the same mix of formats. */
export async function createSeedPhoneTable(db: Database) {
  await db.execute(sql`drop table if exists bench_seed_contacts`);
  await db.execute(sql`
    create table bench_seed_contacts as
    select id, first_name, last_name, company, last_contacted_at, relationship_score,
           case (row_number() over (order by id)) % 3
             when 0 then '(' || substr(phone_e164, 3, 3) || ') ' || substr(phone_e164, 6, 3) || '-' || substr(phone_e164, 9, 4)
             when 1 then substr(phone_e164, 3, 3) || '-' || substr(phone_e164, 6, 3) || '-' || substr(phone_e164, 9, 4)
             else '+1 ' || substr(phone_e164, 3, 3) || ' ' || substr(phone_e164, 6, 3) || ' ' || substr(phone_e164, 9, 4) end as phone
      from contacts`);
  await db.execute(sql`analyze bench_seed_contacts`);
}

/** The seed's identifyCaller query. */
export async function seedLookup(db: Database, phoneNumber: string) {
  const normalized = phoneNumber.replace(/\D/g, '').replace(/^1/, '');
  return rowsOf(
    await db.execute(sql`
    select id, first_name, last_name, company, last_contacted_at, relationship_score from bench_seed_contacts
     where phone = ${phoneNumber}
        or replace(replace(replace(replace(phone, '-', ''), '(', ''), ')', ''), ' ', '') like ${`%${normalized}`}
     limit 1`),
  );
}

const WEIGHTS = { recency: 0.25, frequency: 0.25, duration: 0.15, sentiment: 0.2, engagement: 0.15 };

/** The seed's calculateRelationshipScore + update, for one contact. */
export async function seedScoreOne(db: Database, contactId: string, now = Date.now()) {
  const day = 86_400_000;
  const [contact] = rowsOf<{ last_contacted_at: string | null }>(
    await db.execute(sql`select * from contacts where id = ${contactId}::uuid limit 1`),
  );
  if (!contact) throw new Error('Contact not found');
  const calls = rowsOf<{ created_at: string; duration_seconds: number | null; sentiment: string | null }>(
    await db.execute(sql`
    select * from phone_records where contact_id = ${contactId}::uuid and created_at >= ${new Date(now - 90 * day).toISOString()}::timestamptz order by created_at desc`),
  );
  const related = rowsOf<{ status: string }>(
    await db.execute(sql`select * from tasks where contact_id = ${contactId}::uuid`),
  );
  let recency = 0;
  if (contact.last_contacted_at) {
    const d = Math.floor((now - new Date(contact.last_contacted_at).getTime()) / day);
    recency = d <= 7 ? 100 : d <= 14 ? 80 : d <= 30 ? 60 : d <= 60 ? 40 : d <= 90 ? 20 : 10;
  }
  const frequency = Math.min(100, calls.filter((c) => new Date(c.created_at).getTime() >= now - 30 * day).length * 15);
  const avg = calls.length ? calls.reduce((s, c) => s + (c.duration_seconds ?? 0), 0) / calls.length : 0;
  const duration = Math.min(100, avg / 3);
  const counts = { positive: 0, neutral: 0, negative: 0 } as Record<string, number>;
  for (const c of calls) if (c.sentiment) counts[c.sentiment] = (counts[c.sentiment] ?? 0) + 1;
  const total = counts.positive! + counts.neutral! + counts.negative!;
  const sentiment = total ? (counts.positive! * 100 + counts.neutral! * 50) / total : 50;
  const engagement = Math.min(
    100,
    related.filter((t) => t.status !== 'done').length * 10 + related.filter((t) => t.status === 'done').length * 5,
  );
  const score = Math.round(
    recency * WEIGHTS.recency +
      frequency * WEIGHTS.frequency +
      duration * WEIGHTS.duration +
      sentiment * WEIGHTS.sentiment +
      engagement * WEIGHTS.engagement,
  );
  await db.execute(sql`update bench_seed_contacts set relationship_score = ${score} where id = ${contactId}::uuid`);
  return score;
}
