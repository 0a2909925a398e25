/**
 * The record and transcribe activities alone, in Temporal's MockActivityEnvironment: a real
 * database row, the real local blob store and speech engine, a recording served over loopback.
 */
import { randomUUID } from 'node:crypto';
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import { ApplicationFailure } from '@temporalio/common';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config.js';
import { phoneRecords } from '../db/schema/index.js';
import type { DatabaseHandle } from '../db/client.js';
import { dualCall, DIALOGUES, dialogueText } from '../fixtures/speech.js';
import { wer } from '../bench/wer.js';
import { freshDatabase } from '../test/stack.js';
import { createPipelineActivities } from './pipeline.js';
import { createProviders } from './providers/index.js';
import { startFakeTelnyx, type FakeTelnyx } from './providers/telephony/fake.js';

let database: DatabaseHandle;
let host: FakeTelnyx;
let providers: ReturnType<typeof createProviders>;
let activities: ReturnType<typeof createPipelineActivities>;
const dataDir = `/tmp/cc-activity-test-${randomUUID()}`;

beforeAll(async () => {
  database = await freshDatabase('pglite');
  host = await startFakeTelnyx(0);
  providers = createProviders(loadConfig('test', { DATA_DIR: dataDir, API_TOKENS: 'unused' }));
  activities = createPipelineActivities({
    db: database.db,
    providers,
    recordingHosts: ['127.0.0.1'],
    notify: { longCallSeconds: 600 },
  });
});
afterAll(async () => {
  await providers?.speech.close?.();
  await host?.close();
  await database?.close();
  await rm(dataDir, { recursive: true, force: true });
});

async function newCall(): Promise<string> {
  const [row] = await database.db
    .insert(phoneRecords)
    .values({
      callSessionId: randomUUID(),
      phoneNumber: '+13125550142',
      direction: 'inbound',
      status: 'completed',
      startedAt: new Date(),
    })
    .returning();
  return row!.id;
}

const rowOf = async (id: string) => (await database.db.select().from(phoneRecords).where(eq(phoneRecords.id, id)))[0]!;
// The expected failures below are the point of the test, not log lines to print.
const quiet = { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} };
const env = () => new MockActivityEnvironment({}, { logger: quiet });

describe('recordStage and transcribeStage, alone', () => {
  it('copies the recording into the store, then transcribes it by speaker', async () => {
    const lines = DIALOGUES[2]!;
    const { wav } = await dualCall(lines);
    const id = await newCall();
    const url = host.hostRecording(`${id}.wav`, wav, 'audio/wav');

    expect(
      await env().run(activities.recordStage, { phoneRecordId: id, recording: { url, format: 'wav', channels: 2 } }),
    ).toEqual({ bytes: wav.length });
    const stored = await rowOf(id);
    expect(stored).toMatchObject({
      recordingLocation: `file://${id}.wav`,
      recordingContentType: 'audio/wav',
      recordingBytes: wav.length,
      recordingChannels: 2,
    });
    expect((stored.stageStatus as Record<string, { status: string }>).record?.status).toBe('done');
    expect((await readFile(path.join(dataDir, 'recordings', `${id}.wav`))).equals(wav)).toBe(true);

    const result = await env().run(activities.transcribeStage, { phoneRecordId: id });
    const row = await rowOf(id);
    expect(result).toEqual({ chars: row.transcript!.length, segments: (row.speakerSegments as unknown[]).length });
    expect(wer(dialogueText(lines), row.transcript!)).toBeLessThanOrEqual(0.15);
    expect((row.speakerSegments as { speaker: string }[]).map((s) => s.speaker)).toEqual(lines.map((l) => l.party));
    expect(row.transcriptProvider).toBe('local');
    expect((row.stageStatus as Record<string, { status: string }>).transcribe?.status).toBe('done');
  });

  it('refuses, without retrying, a recording from a host it may not copy from, and a transcription with no recording', async () => {
    const id = await newCall();
    const refused = env().run(activities.recordStage, {
      phoneRecordId: id,
      recording: { url: 'http://169.254.169.254/latest/meta-data', format: 'wav', channels: 2 },
    });
    await expect(refused).rejects.toBeInstanceOf(ApplicationFailure);
    await expect(refused).rejects.toMatchObject({ nonRetryable: true });
    expect((await rowOf(id)).recordingLocation).toBeNull();

    const nothing = env().run(activities.transcribeStage, { phoneRecordId: id });
    await expect(nothing).rejects.toMatchObject({ nonRetryable: true, message: 'no stored recording to transcribe' });
  });
});
