/**
 * `npm run bench:ask`: POST /api/ask offline (no vendor keys) on native PostgreSQL over 200,000
 * embedded passages (sizes by flag; generate.ts), with each generated call's transcript its
 * passage so retrieval has words to read. Three kinds of question, measured apart: about a subject
 * that was said (retrieval), about something never said, and structured (who called this week,
 * what is due, when did a named contact last call). The baseline in the same run is GET
 * /api/search (hybrid) for the same retrieval questions: what answering costs beyond finding.
 * Writes bench/results/ask.json.
 */
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { createLocalEmbeddings } from '../activities/providers/embeddings/local.js';
import { createApp } from '../api/app.js';
import { apiDeps } from '../api/compose.js';
import { publicKeyFromBase64 } from '../api/webhooks/telnyx/verify.js';
import { loadConfig } from '../config.js';
import { openDatabase, rowsOf } from '../db/client.js';
import { devKeys } from '../deploy/dev-secrets.js';
import { silentLog } from '../platform/logger.js';
import { generate } from './generate.js';
import { arg, benchPostgres, fmt, measure, say } from './lib.js';

const sizes = {
  contacts: arg('contacts', 20_000),
  calls: arg('calls', 200_000),
  passages: arg('passages', 200_000),
  messages: arg('messages', 20_000),
  tasks: arg('tasks', 10_000),
};
const n = arg('n', 200);

const SAID = [
  'What did they say about the dentist appointment?',
  'Who called about the furnace repair?',
  'Anything new on the lease renewal?',
  'What is happening with the kitchen remodel?',
  'When is the soccer tournament?',
  'What about the concert tickets?',
  'Who mentioned the insurance claim?',
  'What was said about the garden fence?',
];
const NEVER = [
  'What did the plumber say about the water heater?',
  'Did anyone mention the sailing trip to Greece?',
  'What about the piano lessons?',
  'Who asked about the solar panels?',
];

const pg = await benchPostgres();
const database = await openDatabase({ url: pg.url, poolSize: 4 });
const db = database.db;
try {
  const embeddings = createLocalEmbeddings();
  await generate(db, sizes, embeddings.model);
  say('giving each generated call its passage as transcript ...');
  await db.execute(sql`
    update phone_records p set transcript = e.content, summary = null
      from embeddings e where e.source_type = 'call' and e.source_id = p.id`);
  await db.execute(sql`analyze`);
  const named = rowsOf<{ name: string }>(
    await db.execute(sql`
      select c.first_name || ' ' || c.last_name as name from contacts c
       where c.last_contacted_at is not null order by c.last_contacted_at desc limit 20`),
  ).map((r) => r.name);
  const STRUCTURED = [
    'Who called this week?',
    "What's due?",
    ...named.slice(0, 6).map((name) => `When did ${name} last call?`),
  ];

  const config = loadConfig('test', { API_TOKENS: 'bench', DATA_DIR: path.join(tmpdir(), 'cc-bench-ask') });
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
  const headers = { authorization: 'Bearer bench', 'content-type': 'application/json' };
  const modes: Record<string, Record<string, number>> = {};
  let kind = '';
  const ask = async (question: string) => {
    const res = await app.request('/api/ask', { method: 'POST', headers, body: JSON.stringify({ question }) });
    if (res.status !== 200) throw new Error(`POST /api/ask answered ${res.status}`);
    const { data } = (await res.json()) as { data: { mode: string } };
    const counts = (modes[kind] ??= {});
    counts[data.mode] = (counts[data.mode] ?? 0) + 1;
  };
  const search = async (q: string) => {
    const res = await app.request(`/api/search?q=${encodeURIComponent(q)}&limit=8`, { headers });
    if (res.status !== 200) throw new Error(`GET /api/search answered ${res.status}`);
    await res.arrayBuffer();
  };
  const pick = (list: string[]) => (i: number) => list[i % list.length]!;

  const results: Record<string, unknown> = { sizes, at: new Date().toISOString() };
  const searchBaseline = await measure(n, (i) => search(pick(SAID)(i)));
  kind = 'said';
  const said = await measure(n, (i) => ask(pick(SAID)(i)));
  kind = 'never';
  const never = await measure(n, (i) => ask(pick(NEVER)(i)));
  kind = 'structured';
  const structured = await measure(n, (i) => ask(pick(STRUCTURED)(i)));
  kind = 'mixed';
  const all = await measure(n, (i) => ask(pick([...SAID, ...NEVER, ...STRUCTURED])(i)));
  Object.assign(results, { searchBaseline, said, never, structured, all, modes });
  const line = (label: string, m: typeof said) =>
    say(`${label.padEnd(32)} p50 ${fmt(m.p50)}  p95 ${fmt(m.p95)}  p99 ${fmt(m.p99)}`);
  say(`POST /api/ask over ${sizes.passages} passages (offline), ${n} questions each:`);
  line('GET /api/search (baseline)', searchBaseline);
  line('ask, said (retrieval)', said);
  line('ask, never said', never);
  line('ask, structured', structured);
  line('ask, mixed', all);
  say(`ask p95 / search p95: ${(said.p95 / searchBaseline.p95).toFixed(2)}`);
  say(`answer modes by kind (warm-up included): ${JSON.stringify(modes)}`);
  await writeFile(new URL('./results/ask.json', import.meta.url), `${JSON.stringify(results, null, 2)}\n`);
} finally {
  await database.close();
  await pg.stop();
}
