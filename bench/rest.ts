/**
 * `npm run bench:rest`: the REST issue's figures on native PostgreSQL at 100k contacts, 1M calls
 * and 200k embedded passages (sizes by flag). Each figure is measured beside its baseline in the
 * same run. Prints a table and writes bench/results/rest.json.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { createLocalEmbeddings } from '../activities/providers/embeddings/local.js';
import { createApp } from '../api/app.js';
import { apiDeps } from '../api/compose.js';
import { publicKeyFromBase64 } from '../api/webhooks/telnyx/verify.js';
import { openDatabase, rowsOf } from '../db/client.js';
import { formatPhone } from '../platform/phone.js';
import { identifyCaller } from '../db/queries/contacts.js';
import { overview } from '../db/queries/dashboard.js';
import { recomputeScores } from '../db/queries/scores.js';
import { semanticSearch } from '../db/queries/search.js';
import { loadConfig } from '../config.js';
import { devKeys } from '../deploy/dev-secrets.js';
import { benchPhone, generate, templateSentences } from './generate.js';
import { arg, benchPostgres, fmt, measure, say } from './lib.js';
import { createSeedPhoneTable, seedLookup, seedScoreOne } from './seed-baselines.js';
import { silentLog } from '../platform/logger.js';

const sizes = {
  contacts: arg('contacts', 100_000),
  calls: arg('calls', 1_000_000),
  passages: arg('passages', 200_000),
  messages: arg('messages', 100_000),
  tasks: arg('tasks', 50_000),
};
const seedLoopContacts = arg('seed-loop', 10_000);

const pg = await benchPostgres();
const database = await openDatabase({ url: pg.url, poolSize: 4 });
await database.pool!.query(`alter system set max_wal_size = '4GB'`);
await database.pool!.query('select pg_reload_conf()');
const db = database.db;
const results: Record<string, unknown> = { sizes, at: new Date().toISOString() };
try {
  const model = createLocalEmbeddings().model;
  // --reuse: keep the data of an earlier run on BENCH_POSTGRES_URL (generation takes minutes).
  const existing = rowsOf<{ n: number }>(await db.execute(sql`select count(*)::int as n from contacts`))[0]?.n;
  const sentences =
    process.argv.includes('--reuse') && existing === sizes.contacts
      ? templateSentences()
      : (await generate(db, sizes, model)).sentences;
  const rand = (n: number) => 1 + Math.floor(Math.random() * n);

  // 1. Caller ID: our indexed E.164 probe (from any input format) vs the seed's REPLACE/LIKE scan.
  await createSeedPhoneTable(db);
  const inputs = Array.from({ length: 2000 }, () => formatPhone(benchPhone(rand(sizes.contacts)), 'US'));
  const embeddings = createLocalEmbeddings();
  // The REST API alone: no Temporal (nothing here starts a workflow).
  const config = loadConfig('test', { API_TOKENS: 'bench', DATA_DIR: path.join(tmpdir(), 'cc-bench-rest') });
  const app = createApp(
    apiDeps(
      config,
      {
        database,
        gateway: {} as never,
        log: silentLog,
        telnyxPublicKey: publicKeyFromBase64(devKeys().publicKeyBase64),
        embeddings,
      },
      { publicBaseUrl: 'http://localhost', ownerName: 'bench', region: 'US', engines: {} },
    ),
  );
  const auth = { headers: { authorization: 'Bearer bench' } };
  let misses = 0;
  const ours = await measure(2000, async (i) => {
    const c = await identifyCaller(db, benchPhone(1 + ((i * 7919) % sizes.contacts)));
    if (!c) misses++;
  });
  const api = await measure(1000, async (i) => {
    const res = await app.request(`/api/contacts/lookup/${encodeURIComponent(inputs[i]!)}`, auth);
    if (!((await res.json()) as { data: { isKnown: boolean } }).data.isKnown) misses++;
  });
  const seed = await measure(100, (i) => seedLookup(db, inputs[i]!), 3);
  results.callerId = { ours, api, seed, speedup: seed.p50 / ours.p50, misses };
  say(
    `caller ID p50: query ${fmt(ours.p50)}, API ${fmt(api.p50)}; seed REPLACE/LIKE ${fmt(seed.p50)}; ${(seed.p50 / ours.p50).toFixed(0)}x (misses ${misses})`,
  );

  // 2. Full rescore (one set-based statement) vs the seed's per-contact loop on 10k contacts.
  const runs = [];
  for (const slices of [2, 2, 1]) {
    const t = performance.now();
    const { written } = await recomputeScores(db, null, new Date(), { slices });
    runs.push({ slices, ms: performance.now() - t, written });
  }
  const ids = rowsOf<{ id: string }>(
    await db.execute(sql`select id from contacts order by random() limit ${seedLoopContacts}`),
  ).map((r) => r.id);
  const t = performance.now();
  for (const id of ids) await seedScoreOne(db, id);
  const seedLoopMs = performance.now() - t;
  const best = Math.min(...runs.filter((r) => r.slices === 2).map((r) => r.ms));
  const perContactOurs = best / sizes.contacts;
  const perContactSeed = seedLoopMs / ids.length;
  results.rescore = {
    runs,
    seedLoop: { contacts: ids.length, ms: seedLoopMs },
    perContactSpeedup: perContactSeed / perContactOurs,
  };
  say(
    `full rescore of ${sizes.contacts}: ${runs.map((r) => `${fmt(r.ms)} (${r.slices} slice${r.slices > 1 ? 's' : ''})`).join(', ')}; seed loop ${ids.length} contacts ${fmt(seedLoopMs)}; per contact ${(perContactSeed / perContactOurs).toFixed(0)}x faster`,
  );

  // 3. Semantic search: HNSW vs an exact scan on the same queries; recall@10 and latency.
  const queries = await embeddings.embed(
    Array.from({ length: 200 }, (_, i) => {
      const s = sentences[(i * 104729) % sentences.length]!;
      return s
        .replace('Calling about', i % 2 ? 'Question regarding' : 'Update on')
        .replace(/\.$/, i % 3 ? ', can you call back?' : '');
    }),
  );
  let recallSum = 0;
  const exactTimes: number[] = [];
  for (const q of queries) {
    const v = `[${q.join(',')}]`;
    const te = performance.now();
    const exact = rowsOf<{ id: string }>(
      await db.execute(
        sql`select id::text from embeddings where model = ${model} order by (embedding <=> ${v}::vector) + 0 limit 10`,
      ),
    );
    exactTimes.push(performance.now() - te);
    const approx = rowsOf<{ id: string }>(
      await db.execute(
        sql`select id::text from embeddings where model = ${model} order by embedding <=> ${v}::vector limit 10`,
      ),
    );
    const truth = new Set(exact.map((r) => r.id));
    recallSum += approx.filter((r) => truth.has(r.id)).length / 10;
  }
  const vectorQuery = await measure(200, (i) => semanticSearch(db, queries[i % queries.length]!, model, {}, 10));
  const searchApi = await measure(100, async (i) =>
    app.request(`/api/search/semantic?q=${encodeURIComponent(`update on ${sentences[i * 13]!}`)}`, auth),
  );
  exactTimes.sort((a, b) => a - b);
  results.semantic = {
    recallAt10: recallSum / queries.length,
    vectorQuery,
    api: searchApi,
    exactScanP50: exactTimes[Math.floor(exactTimes.length / 2)],
  };
  say(
    `semantic search: recall@10 ${(recallSum / queries.length).toFixed(3)}; query p50 ${fmt(vectorQuery.p50)} (exact scan ${fmt(exactTimes[Math.floor(exactTimes.length / 2)]!)}); API incl. query embedding p50 ${fmt(searchApi.p50)}`,
  );

  // 4. Dashboard overview.
  const dash = await measure(200, () => overview(db, new Date()));
  const dashApi = await measure(100, async () => app.request('/api/dashboard/overview', auth));
  results.dashboard = { query: dash, api: dashApi };
  say(`dashboard overview p95: ${fmt(dash.p95)} (API ${fmt(dashApi.p95)})`);

  await mkdir('bench/results', { recursive: true });
  await writeFile('bench/results/rest.json', JSON.stringify(results, null, 2));
  say('wrote bench/results/rest.json');
} finally {
  await database.close();
  await pg.stop();
}
