/**
 * Search over calls and messages: semantic (pgvector, cosine, HNSW), full-text (tsvector, GIN)
 * and hybrid (reciprocal rank fusion of both). Every hit names its call or message and cites the
 * passage that matched.
 */
import { inArray, sql, type SQL } from 'drizzle-orm';
import { HNSW_EF_SEARCH, type Database, rowsOf } from '../client.js';
import { contacts, messages, phoneRecords } from '../schema/index.js';

export interface SearchFilter {
  contactId?: string;
  from?: string;
  to?: string;
  type?: 'call' | 'message';
}

export interface SearchHit {
  type: 'call' | 'message';
  id: string;
  score: number;
  occurredAt: string | null;
  contactId: string | null;
  passage: { text: string; kind: string; chunkIndex: number | null; startMs: number | null };
}

function filterSql(f: SearchFilter, cols: { contact: SQL; time: SQL; type?: SQL }): SQL {
  const parts: SQL[] = [sql`true`];
  if (f.contactId) parts.push(sql`${cols.contact} = ${f.contactId}::uuid`);
  if (f.from) parts.push(sql`${cols.time} >= ${f.from}::timestamptz`);
  if (f.to) parts.push(sql`${cols.time} < ${f.to}::timestamptz`);
  if (f.type && cols.type) parts.push(sql`${cols.type} = ${f.type}`);
  return sql.join(parts, sql` and `);
}

/**
 * Nearest passages by cosine distance, best passage per call or message. Unfiltered queries walk
 * the HNSW index; filtered ones scan the (small) filtered set exactly, so filters never starve
 * the result the way post-filtering an approximate index does.
 */
export async function semanticSearch(
  db: Database,
  vector: number[],
  model: string,
  f: SearchFilter,
  limit: number,
): Promise<SearchHit[]> {
  const v = `[${vector.join(',')}]`;
  const filtered = Boolean(f.contactId || f.from || f.to || f.type);
  const where = filterSql(f, { contact: sql`e.contact_id`, time: sql`e.occurred_at`, type: sql`e.source_type` });
  // `+ 0` hides the ordering from the index, forcing the exact path for filtered queries.
  const distance = filtered ? sql`(e.embedding <=> ${v}::vector) + 0` : sql`e.embedding <=> ${v}::vector`;
  const fetch = Math.min(HNSW_EF_SEARCH, limit * 4);
  const result = await db.execute(sql`
    with nearest as (
      select e.source_type, e.source_id, e.contact_id, e.kind, e.chunk_index, e.content, e.start_ms, e.occurred_at, ${distance} as d
        from embeddings e
       where e.model = ${model} and ${where}
       order by ${distance}
       limit ${fetch}
    ), best as (
      select distinct on (source_type, source_id) * from nearest order by source_type, source_id, d
    )
    select * from best order by d limit ${limit}`);
  return rowsOf<Record<string, unknown>>(result).map((r) => ({
    type: r.source_type as 'call' | 'message',
    id: String(r.source_id),
    score: Math.round((1 - Number(r.d)) * 10_000) / 10_000,
    occurredAt: r.occurred_at ? new Date(r.occurred_at as string).toISOString() : null,
    contactId: (r.contact_id as string | null) ?? null,
    passage: {
      text: String(r.content),
      kind: String(r.kind),
      chunkIndex: r.chunk_index === null ? null : Number(r.chunk_index),
      startMs: r.start_ms === null ? null : Number(r.start_ms),
    },
  }));
}

/** Full-text (English stemming, web-search syntax) over call transcripts and summaries and message text. */
export async function fulltextSearch(db: Database, q: string, f: SearchFilter, limit: number): Promise<SearchHit[]> {
  const callWhere = filterSql(
    { ...f, type: undefined },
    { contact: sql`p.contact_id`, time: sql`coalesce(p.started_at, p.created_at)` },
  );
  const msgWhere = filterSql({ ...f, type: undefined }, { contact: sql`m.contact_id`, time: sql`m.occurred_at` });
  // One branch per searched type, each parenthesised so its own order and limit apply.
  const branches: SQL[] = [];
  if (f.type !== 'message') {
    branches.push(sql`(select 'call'::text as type, p.id, ts_rank_cd(p.search_tsv, query.tsq) as rank
         from phone_records p, query where p.search_tsv @@ query.tsq and ${callWhere}
        order by rank desc limit ${limit})`);
  }
  if (f.type !== 'call') {
    branches.push(sql`(select 'message'::text as type, m.id, ts_rank_cd(m.search_tsv, query.tsq) as rank
         from messages m, query where m.search_tsv @@ query.tsq and ${msgWhere}
        order by rank desc limit ${limit})`);
  }
  const result = await db.execute(sql`
    with query as (select websearch_to_tsquery('english', ${q}) as tsq),
    hits as (${sql.join(branches, sql` union all `)}),
    top as (select * from hits order by rank desc limit ${limit})
    select top.type, top.id, top.rank,
           coalesce(p.contact_id, m.contact_id) as contact_id,
           coalesce(coalesce(p.started_at, p.created_at), m.occurred_at) as occurred_at,
           case when top.type = 'call'
                then ts_headline('english', coalesce(p.transcript, p.summary, ''), query.tsq, 'MaxWords=40, MinWords=15, MaxFragments=2')
                else ts_headline('english', m.text, query.tsq, 'MaxWords=40, MinWords=15') end as snippet
      from top cross join query
      left join phone_records p on top.type = 'call' and p.id = top.id
      left join messages m on top.type = 'message' and m.id = top.id
     order by top.rank desc`);
  return rowsOf<Record<string, unknown>>(result).map((r) => ({
    type: r.type as 'call' | 'message',
    id: String(r.id),
    score: Math.round(Number(r.rank) * 10_000) / 10_000,
    occurredAt: r.occurred_at ? new Date(r.occurred_at as string).toISOString() : null,
    contactId: (r.contact_id as string | null) ?? null,
    passage: {
      text: String(r.snippet ?? ''),
      kind: r.type === 'call' ? 'transcript' : 'message',
      chunkIndex: null,
      startMs: null,
    },
  }));
}

/** Reciprocal rank fusion (k = 60): a hit ranked well by either method rises; by both, higher. */
export function fuseRankings(lists: { name: string; hits: SearchHit[] }[], limit: number, k = 60) {
  const fused = new Map<string, { hit: SearchHit; score: number; ranks: Record<string, number> }>();
  for (const { name, hits } of lists) {
    hits.forEach((hit, i) => {
      const key = `${hit.type}:${hit.id}`;
      const entry = fused.get(key) ?? { hit, score: 0, ranks: {} };
      entry.score += 1 / (k + i + 1);
      entry.ranks[name] = i + 1;
      // Prefer the semantic passage (an exact transcript span) as the citation.
      if (name === 'semantic') entry.hit = { ...hit, score: entry.hit.score };
      fused.set(key, entry);
    });
  }
  return [...fused.values()]
    .sort((a, b) => b.score - a.score)
    .slice(0, limit)
    .map((e) => ({ ...e.hit, score: Math.round(e.score * 100_000) / 100_000, ranks: e.ranks }));
}

/** Attach who and what to each hit (one query per source type). */
export async function describeHits(db: Database, hits: (SearchHit & { ranks?: Record<string, number> })[]) {
  const callIds = hits.filter((h) => h.type === 'call').map((h) => h.id);
  const msgIds = hits.filter((h) => h.type === 'message').map((h) => h.id);
  const calls = callIds.length
    ? await db
        .select({
          id: phoneRecords.id,
          phoneNumber: phoneRecords.phoneNumber,
          direction: phoneRecords.direction,
          summary: phoneRecords.summary,
        })
        .from(phoneRecords)
        .where(inArray(phoneRecords.id, callIds))
    : [];
  const msgs = msgIds.length
    ? await db
        .select({ id: messages.id, phoneNumber: messages.phoneNumber, direction: messages.direction })
        .from(messages)
        .where(inArray(messages.id, msgIds))
    : [];
  const contactIds = [...new Set(hits.map((h) => h.contactId).filter((c): c is string => c !== null))];
  const people = contactIds.length
    ? await db
        .select({ id: contacts.id, firstName: contacts.firstName, lastName: contacts.lastName })
        .from(contacts)
        .where(inArray(contacts.id, contactIds))
    : [];
  const byId = new Map<string, { phoneNumber: string; direction: string; summary?: string | null }>(
    [...calls, ...msgs].map((r) => [r.id, r]),
  );
  const names = new Map(people.map((p) => [p.id, `${p.firstName} ${p.lastName}`.trim()]));
  return hits.map((h) => {
    const src = byId.get(h.id);
    return {
      ...h,
      contactName: h.contactId ? (names.get(h.contactId) ?? null) : null,
      phoneNumber: src?.phoneNumber ?? null,
      direction: src?.direction ?? null,
      summary: src?.summary ?? null,
    };
  });
}
