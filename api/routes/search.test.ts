/**
 * Search quality on a small labelled set, on PGlite and native PostgreSQL: semantic search finds
 * paraphrases full-text search misses, and hybrid search is at least as good as either.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalEmbeddings } from '../../activities/providers/embeddings/local.js';
import { queryEmbedder } from '../../activities/providers/index.js';
import type { DatabaseHandle } from '../../db/client.js';
import { createApp } from '../app.js';
import { publicKeyFromBase64 } from '../webhooks/telnyx/verify.js';
import { addCall, addContact, addMessage, addPassage, daysAgo } from '../../test/seed.js';
import { keywordQueries, paraphraseQueries, searchCorpus } from '../../test/search-corpus.js';
import { dbKinds, devKeys, freshDatabase, silentLog } from '../../test/stack.js';
import { createInboxRelay } from '../webhooks/telnyx/relay.js';

type Hit = {
  id: string;
  type: string;
  contactName: string | null;
  phoneNumber: string | null;
  passage: { text: string; kind: string };
  ranks?: Record<string, number>;
};

describe.each(dbKinds)('search on %s', (kind) => {
  let database: DatabaseHandle;
  let app: ReturnType<typeof createApp>;
  const keyOf = new Map<string, string>();
  const embeddings = createLocalEmbeddings();
  let people: { a: string; b: string };

  const search = async (mode: 'semantic' | 'fulltext' | 'hybrid', q: string, extra = '') => {
    const path = mode === 'hybrid' ? '/api/search' : `/api/search/${mode}`;
    const res = await app.request(`${path}?q=${encodeURIComponent(q)}&limit=5${extra}`, {
      headers: { authorization: 'Bearer t' },
    });
    expect(res.status).toBe(200);
    return ((await res.json()) as { data: { hits: Hit[] } }).data.hits;
  };
  /** Mean reciprocal rank of the right call over a query set, and how many were found in the top 5. */
  const score = async (mode: 'semantic' | 'fulltext' | 'hybrid', queries: { q: string; key: string }[]) => {
    let rr = 0;
    let found = 0;
    for (const { q, key } of queries) {
      const rank = (await search(mode, q)).findIndex((h) => keyOf.get(h.id) === key) + 1;
      if (rank > 0) {
        rr += 1 / rank;
        found += 1;
      }
    }
    return { mrr: rr / queries.length, found };
  };

  beforeAll(async () => {
    database = await freshDatabase(kind);
    const db = database.db;
    const a = await addContact(db, { firstName: 'Maria', lastName: 'Lopez', phoneE164: '+12125550100' });
    const b = await addContact(db, { firstName: 'Tom', lastName: 'Reed', phoneE164: '+12125550101' });
    people = { a: a.id, b: b.id };
    const vectors = await embeddings.embed(searchCorpus.map((c) => c.text));
    for (const [i, c] of searchCorpus.entries()) {
      const contact = i % 2 === 0 ? a : b;
      const row = await addCall(db, {
        phoneNumber: contact.phoneE164!,
        contactId: contact.id,
        startedAt: daysAgo(i + 1),
        transcript: c.text,
        summary: null,
      });
      keyOf.set(row.id, c.key);
      await addPassage(db, {
        sourceType: 'call',
        sourceId: row.id,
        contactId: contact.id,
        content: c.text,
        vector: vectors[i]!,
        model: embeddings.model,
        occurredAt: daysAgo(i + 1),
      });
    }
    const sms = await addMessage(db, {
      phoneNumber: '+12125550101',
      contactId: b.id,
      occurredAt: daysAgo(0.5),
      text: 'Running late, the babysitter cancelled on us tonight',
    });
    keyOf.set(sms.id, 'sms-babysitter');
    await addPassage(db, {
      sourceType: 'message',
      sourceId: sms.id,
      contactId: b.id,
      content: sms.text,
      kind: 'message',
      vector: (await embeddings.embed([sms.text]))[0]!,
      model: embeddings.model,
      occurredAt: sms.occurredAt,
    });
    // Passages from another model are never compared with this one's query vectors.
    await addPassage(db, {
      sourceType: 'call',
      sourceId: [...keyOf.keys()][0]!,
      content: 'other model',
      vector: Array.from({ length: 512 }, (_, i) => (i === 0 ? 1 : 0)),
      model: 'other-model',
      kind: 'summary',
    });
    app = createApp({
      database,
      gateway: {} as never,
      // Not started: this suite sends no webhooks.
      relay: createInboxRelay({ db: database.db, gateway: {} as never, log: silentLog }),
      log: silentLog,
      apiTokens: ['t'],
      telnyxPublicKey: publicKeyFromBase64(devKeys().publicKeyBase64),
      maxWebhookBytes: 1024,
      publicBaseUrl: 'http://localhost',
      streamBase: 'ws://localhost',
      ownerName: 'o',
      region: 'US',
      embedder: queryEmbedder(embeddings),
    });
  });
  afterAll(async () => database?.close());

  it('semantic search finds paraphrases that full-text search misses', async () => {
    const semantic = await score('semantic', paraphraseQueries);
    const fulltext = await score('fulltext', paraphraseQueries);
    expect(semantic.found).toBeGreaterThanOrEqual(9);
    expect(semantic.mrr).toBeGreaterThan(0.8);
    expect(fulltext.found).toBeLessThanOrEqual(2);
  });

  it('hybrid search is at least as good as either method, on paraphrases and on keywords', async () => {
    for (const set of [paraphraseQueries, keywordQueries, [...paraphraseQueries, ...keywordQueries]]) {
      const [semantic, fulltext, hybrid] = [
        await score('semantic', set),
        await score('fulltext', set),
        await score('hybrid', set),
      ];
      expect(hybrid.found).toBeGreaterThanOrEqual(Math.max(semantic.found, fulltext.found));
      expect(hybrid.mrr).toBeGreaterThanOrEqual(Math.max(semantic.mrr, fulltext.mrr) - 1e-9);
    }
    expect((await score('fulltext', keywordQueries)).found).toBe(keywordQueries.length);
  });

  it('cites the call or message and the passage, and filters by contact, type and date', async () => {
    const [top] = await search('semantic', 'heating broken at home');
    expect(top).toMatchObject({
      type: 'call',
      contactName: 'Tom Reed',
      phoneNumber: '+12125550101',
      passage: { kind: 'transcript' },
    });
    expect(top!.passage.text).toContain('furnace');
    const [text] = await search('fulltext', 'furnace');
    expect(text!.passage.text).toMatch(/<b>furnace<\/b>/i);
    const [hybrid] = await search('hybrid', 'furnace technician');
    expect(keyOf.get(hybrid!.id)).toBe('furnace');
    expect(hybrid!.ranks).toMatchObject({ semantic: 1, fulltext: 1 });

    const onlyA = await search('semantic', 'heating broken at home', `&contactId=${people.a}`);
    expect(onlyA.length).toBeGreaterThan(0);
    expect(onlyA.every((h) => h.contactName === 'Maria Lopez')).toBe(true);
    const sms = await search('semantic', 'childcare fell through this evening', '&type=message');
    expect(sms.map((h) => keyOf.get(h.id))).toEqual(['sms-babysitter']);
    const recent = await search('hybrid', 'appointment', `&from=${daysAgo(3).toISOString()}`);
    expect(recent.every((h) => ['dentist', 'furnace', 'sms-babysitter'].includes(keyOf.get(h.id)!))).toBe(true);
    const ft = await search('fulltext', 'babysitter');
    expect(ft[0]).toMatchObject({ type: 'message' });
  });
});
