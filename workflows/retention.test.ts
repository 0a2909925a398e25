/** Retention with short periods and the clock moved forward: what is old goes, what is new stays. */
import { randomUUID } from 'node:crypto';
import { access } from 'node:fs/promises';
import path from 'node:path';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProviders } from '../activities/providers/index.js';
import { embeddings, messages, phoneRecords, relationshipScores, voiceSessions } from '../db/schema/index.js';
import { addCall, addContact, addMessage, addPassage, daysAgo } from '../test/seed.js';
import { startStack, type Stack } from '../test/stack.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({
    env: {
      RETAIN_RECORDINGS_DAYS: '30',
      RETAIN_TRANSCRIPTS_DAYS: '60',
      RETAIN_MESSAGES_DAYS: '90',
      RETAIN_SCORE_HISTORY_DAYS: '30',
    },
  });
});
afterAll(() => stack?.stop());

const exists = (file: string) =>
  access(file).then(
    () => true,
    () => false,
  );
const vector = Array.from({ length: 512 }, (_, i) => (i === 0 ? 1 : 0));

describe('retention', () => {
  it('removes what is older than each period, keeps the rest, and says what it removed', async () => {
    const db = stack.database.db;
    const blobs = path.join(stack.config.dataDir, 'recordings');
    const contact = await addContact(db, { firstName: 'Old', phoneE164: '+12065550190' });
    const call = async (days: number) => {
      const id = randomUUID();
      const location = await createProviders(stack.config).blobs.put(
        `${id}.wav`,
        new Uint8Array([1, 2, 3]),
        'audio/wav',
      );
      const row = await addCall(db, {
        id,
        phoneNumber: '+12065550190',
        contactId: contact.id,
        startedAt: daysAgo(days),
        transcript: `words ${days}`,
        speakerSegments: [{ speaker: 'caller', text: `words ${days}`, startMs: 0, endMs: 1 }],
        summary: `summary ${days}`,
        recordingLocation: location,
      });
      await addPassage(db, {
        sourceType: 'call',
        sourceId: row.id,
        content: `words ${days}`,
        vector,
        model: 'use-lite-512',
        kind: 'transcript',
      });
      return row;
    };
    const old = await call(100);
    const middle = await call(45);
    const fresh = await call(5);
    const oldText = await addMessage(db, { phoneNumber: '+12065550190', occurredAt: daysAgo(120), text: 'old text' });
    const newText = await addMessage(db, { phoneNumber: '+12065550190', occurredAt: daysAgo(10), text: 'new text' });
    await db.insert(relationshipScores).values([
      { contactId: contact.id, score: 10, strength: 0.1, priority: 0, scorerVersion: 'test', computedAt: daysAgo(40) },
      { contactId: contact.id, score: 20, strength: 0.2, priority: 0, scorerVersion: 'test', computedAt: daysAgo(1) },
    ]);

    // The receptionist's conversations are transcripts; a stream token never used goes after a day.
    const turns = [{ speaker: 'caller' as const, text: 'old words', atMs: 0 }];
    const [oldTalk, newTalk] = await db
      .insert(voiceSessions)
      .values([
        {
          tokenHash: randomUUID(),
          callControlId: 'c1',
          callSessionId: 's1',
          expiresAt: daysAgo(100),
          connectedAt: daysAgo(100),
          createdAt: daysAgo(100),
          turns,
        },
        {
          tokenHash: randomUUID(),
          callControlId: 'c2',
          callSessionId: 's2',
          expiresAt: daysAgo(5),
          connectedAt: daysAgo(5),
          createdAt: daysAgo(5),
          turns,
        },
        {
          tokenHash: randomUUID(),
          callControlId: 'c3',
          callSessionId: 's3',
          expiresAt: daysAgo(2),
          createdAt: daysAgo(2),
        },
      ])
      .returning();
    const run = await stack.client.workflow.execute('retentionWorkflow', {
      taskQueue: stack.config.temporal.taskQueue,
      workflowId: `retention-${randomUUID()}`,
      args: [{}],
    });
    const talk = async (id: string) => (await db.select().from(voiceSessions).where(eq(voiceSessions.id, id)))[0];
    expect((await talk(oldTalk!.id))?.turns).toEqual([]);
    expect((await talk(newTalk!.id))?.turns).toEqual(turns);
    expect(await db.select().from(voiceSessions)).toHaveLength(2);
    expect(run.removed).toEqual({
      recordings: 2,
      transcripts: 1,
      conversations: 1,
      messages: 1,
      scoreHistory: 1,
      streamTokens: 1,
      sessions: 0,
      erasureKeys: 0,
    });
    const rec = async (id: string) => (await db.select().from(phoneRecords).where(eq(phoneRecords.id, id)))[0]!;
    expect((await rec(old.id)).recordingLocation).toBeNull();
    expect((await rec(old.id)).transcript).toBeNull();
    expect((await rec(old.id)).summary).toBe('summary 100');
    expect((await rec(middle.id)).recordingLocation).toBeNull();
    expect((await rec(middle.id)).transcript).toBe('words 45');
    expect((await rec(fresh.id)).recordingLocation).not.toBeNull();
    expect(await exists(path.join(blobs, `${old.id}.wav`))).toBe(false);
    expect(await exists(path.join(blobs, `${fresh.id}.wav`))).toBe(true);
    const passages = await db
      .select({ id: embeddings.sourceId })
      .from(embeddings)
      .where(eq(embeddings.kind, 'transcript'));
    expect(passages.map((p) => p.id).sort()).toEqual([middle.id, fresh.id].sort());
    expect((await db.select().from(messages)).map((m) => m.id)).toEqual([newText.id]);
    expect(oldText.id).not.toBe(newText.id);
    const scores = await db.select({ n: sql<number>`count(*)::int` }).from(relationshipScores);
    expect(scores[0]!.n).toBe(1);

    // Sixty days later the rest has aged out too.
    const later = new Date(Date.now() + 60 * 86_400_000).toISOString();
    const again = await stack.client.workflow.execute('retentionWorkflow', {
      taskQueue: stack.config.temporal.taskQueue,
      workflowId: `retention-${randomUUID()}`,
      args: [{ asOfIso: later }],
    });
    expect(again.removed).toEqual({
      recordings: 1,
      transcripts: 2,
      conversations: 1,
      messages: 0,
      scoreHistory: 1,
      streamTokens: 0,
      sessions: 0,
      erasureKeys: 0,
    });
    expect(await exists(path.join(blobs, `${fresh.id}.wav`))).toBe(false);
  });

  it('the daily schedule is created once, however many processes start', async () => {
    expect(['created', 'exists']).toContain(await stack.gateway.ensureRetentionSchedule());
    expect(await stack.gateway.ensureRetentionSchedule()).toBe('exists');
    // Read raw: another process sharing this test server may have created it with its own history key.
    const { schedule } = await stack.client.workflowService.describeSchedule({
      namespace: 'default',
      scheduleId: 'retention-daily',
    });
    expect(schedule?.action?.startWorkflow?.workflowType?.name).toBe('retentionWorkflow');
  });

  it("a scheduled run reads the schedule's encrypted arguments (bound to the action's workflow id)", async () => {
    const scheduleId = `retention-test-${randomUUID()}`;
    const handle = await stack.client.schedule.create({
      scheduleId,
      spec: { calendars: [{ hour: 3, minute: 17 }] },
      action: {
        type: 'startWorkflow',
        workflowType: 'retentionWorkflow',
        taskQueue: stack.config.temporal.taskQueue,
        args: [{}],
        workflowId: scheduleId,
      },
    });
    try {
      await handle.trigger();
      let runId: string | undefined;
      for (let i = 0; i < 40 && !runId; i++) {
        await new Promise((r) => setTimeout(r, 250));
        runId = (await handle.describe()).info.recentActions[0]?.action.workflow.workflowId;
      }
      expect(runId).toMatch(new RegExp(`^${scheduleId}-`));
      const result = (await stack.client.workflow.getHandle(runId!).result()) as { removed: Record<string, number> };
      expect(result.removed).toHaveProperty('sessions');
    } finally {
      await handle.delete();
    }
  });
});
