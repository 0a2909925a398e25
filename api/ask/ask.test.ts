/**
 * The answer engine on PGlite and native PostgreSQL: retrieval cites the sentence at its second,
 * offline and with Claude (the fake speaking the Messages API), and Claude's failures fall back to
 * the passages themselves, saying why. Questions about things never said get no answer.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalEmbeddings } from '../../activities/providers/embeddings/local.js';
import { startFakeAnthropic } from '../../activities/providers/fakes/vendors.js';
import type { FakeServer } from '../../activities/providers/fakes/server.js';
import { queryEmbedder } from '../../activities/providers/index.js';
import { createAnthropicAnswerWriter } from '../../activities/providers/language/anthropic-answers.js';
import type { DatabaseHandle } from '../../db/client.js';
import { addCall, addContact, addPassage, daysAgo } from '../../test/seed.js';
import { dbKinds, freshDatabase } from '../../test/stack.js';
import { createAsker } from './answer.js';

const calls = [
  {
    who: { firstName: 'Priya', lastName: 'Raman', phoneE164: '+12125550140' },
    segments: [
      { speaker: 'caller', startMs: 400, endMs: 1800, text: "Hey, it's Priya." },
      {
        speaker: 'caller',
        startMs: 2200,
        endMs: 7000,
        text: "Mom's birthday dinner is on Saturday at the Italian restaurant downtown.",
      },
      { speaker: 'owner', startMs: 7400, endMs: 8600, text: 'Perfect, I will be there.' },
    ],
  },
  {
    who: { firstName: 'Sarah', lastName: 'Lin', phoneE164: '+12125550141' },
    segments: [
      { speaker: 'caller', startMs: 300, endMs: 2500, text: 'Hello, this is Sarah Lin from Northside Bank.' },
      {
        speaker: 'caller',
        startMs: 2900,
        endMs: 6500,
        text: 'Your mortgage application was approved at a fixed rate of six percent.',
      },
    ],
  },
];

describe.each(dbKinds)('ask on %s', (kind) => {
  let database: DatabaseHandle;
  let anthropic: FakeServer;
  const embeddings = createLocalEmbeddings();
  const ids: string[] = [];

  beforeAll(async () => {
    database = await freshDatabase(kind);
    anthropic = await startFakeAnthropic();
    const db = database.db;
    for (const [i, c] of calls.entries()) {
      const contact = await addContact(db, c.who);
      const transcript = c.segments.map((s) => s.text).join(' ');
      const row = await addCall(db, {
        phoneNumber: c.who.phoneE164,
        contactId: contact.id,
        startedAt: daysAgo(i + 1),
        transcript,
        speakerSegments: c.segments,
      });
      ids.push(row.id);
      await addPassage(db, {
        sourceType: 'call',
        sourceId: row.id,
        contactId: contact.id,
        content: transcript,
        vector: (await embeddings.embed([transcript]))[0]!,
        model: embeddings.model,
        occurredAt: daysAgo(i + 1),
      });
    }
  });
  afterAll(async () => {
    await anthropic?.close();
    await database?.close();
  });

  const asker = (writer?: ReturnType<typeof createAnthropicAnswerWriter>) =>
    createAsker({
      db: database.db,
      embedder: queryEmbedder(embeddings),
      timeZone: 'America/New_York',
      region: 'US',
      writer,
    });
  const claude = () =>
    createAnthropicAnswerWriter({ apiKey: 'test-key', baseUrl: anthropic.url, model: 'claude-sonnet-4-6' });

  it('offline: the sentence itself, attributed and dated, cited at its second', async () => {
    const a = await asker().ask("When is mom's birthday dinner?");
    expect(a.mode).toBe('passages');
    expect(a.answer).toMatch(/^Priya, \w{3} \d{1,2} \w{3}: "Mom's birthday dinner is on Saturday/);
    expect(a.citations).toEqual([
      {
        phoneRecordId: ids[0],
        quote: "Mom's birthday dinner is on Saturday at the Italian restaurant downtown.",
        startMs: 2200,
      },
    ]);
  });

  it('with Claude: written from the same sentences, citing the ones it used', async () => {
    const before = anthropic.requests.length;
    const a = await asker(claude()).ask('What did the bank say about the mortgage?');
    expect(a.mode).toBe('claude');
    expect(a.answer).toMatch(/^According to Sarah Lin, \w{3} \d{1,2} \w{3}: Your mortgage application was approved/);
    expect(a.citations.map((c) => c.phoneRecordId)).toEqual([ids[1]]);
    const sent = JSON.parse(anthropic.requests.at(-1)!.body.toString('utf8'));
    expect(anthropic.requests.length).toBe(before + 1);
    expect(sent.tool_choice).toEqual({ type: 'tool', name: 'answer' });
    expect(sent.messages[0].content).toContain('[1] Sarah Lin');
  });

  it("Claude's outage is the passages themselves, saying why; never a dropped answer", async () => {
    anthropic.failNext({ kind: 'status', status: 500 }, { kind: 'status', status: 500 });
    const a = await asker(claude()).ask('What did the bank say about the mortgage?');
    expect(a.mode).toBe('passages');
    expect(a.degraded).toMatch(/the answer writer failed/);
    expect(a.citations.map((c) => c.phoneRecordId)).toEqual([ids[1]]);
  });

  it('never asks Claude, and cites nothing, when nothing relevant was said', async () => {
    const before = anthropic.requests.length;
    const a = await asker(claude()).ask('What did the plumber say about the water heater?');
    expect(a).toEqual({ answer: expect.stringMatching(/couldn't find/), citations: [], mode: 'none' });
    expect(anthropic.requests.length).toBe(before);
  });
});
