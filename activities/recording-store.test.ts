/** The record stage with an S3-compatible store: the recording lands in the bucket and transcription reads it back. */
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeS3 } from './providers/fakes/vendors.js';
import { callLifecycle } from './providers/telephony/fake.js';
import { phoneRecords } from '../db/schema/index.js';
import { callWorkflowId } from '../temporal.config.js';
import { postSigned, startStack, type Stack } from '../test/stack.js';
import { startVendors, type Vendors } from './providers/fakes/vendor-set.js';

let stack: Stack;
let vendors: Vendors;
let s3: Awaited<ReturnType<typeof startFakeS3>>;

beforeAll(async () => {
  vendors = await startVendors();
  // Versioning on, as the runbook advises for backups: erasure must remove every version.
  s3 = await startFakeS3({ versioning: true });
  stack = await startStack({
    env: {
      ...vendors.env,
      S3_BUCKET: 'calls',
      S3_ENDPOINT: s3.url,
      S3_ACCESS_KEY_ID: 'AKIAFAKE',
      S3_SECRET_ACCESS_KEY: 'fake-secret',
    },
  });
});
afterAll(async () => {
  await stack?.stop();
  await vendors?.close();
  await s3?.close();
});

describe('recordings in an S3-compatible store', () => {
  it('copies the recording into the bucket, transcribes and plays it from there, and erasing the call deletes the object', async () => {
    const audio = Buffer.from('ID3 recording for the bucket');
    vendors.deepgram.speak(audio, [{ channel: 0, text: 'Stored in the bucket, please confirm.' }]);
    const { callSessionId, events } = callLifecycle({
      from: '+12125550100',
      to: '+13125550199',
      answered: true,
      talkSeconds: 30,
      recordingUrl: vendors.telnyx.hostRecording('bucket.mp3', audio),
    });
    for (const e of events)
      expect((await postSigned(stack.app, stack.keys.privateKey, '/webhooks/telnyx/voice', e)).status).toBe(200);
    const result = (await (await stack.delivered()).workflow.getHandle(callWorkflowId(callSessionId)).result()) as {
      stages: Record<string, string>;
    };
    expect(result.stages).toMatchObject({ record: 'done', transcribe: 'done' });
    const [r] = await stack.database.db
      .select()
      .from(phoneRecords)
      .where(eq(phoneRecords.callSessionId, callSessionId));
    expect(r!.recordingLocation).toBe(`s3://calls/recordings/${r!.id}.mp3`);
    expect(s3.objects.get(`calls/recordings/${r!.id}.mp3`)?.body.equals(audio)).toBe(true);
    expect(s3.objects.get(`calls/recordings/${r!.id}.mp3`)?.type).toBe('audio/mpeg');
    expect(r!.transcript).toContain('Stored in the bucket');

    // The player reads it back from the bucket, whole or by byte range.
    const auth = { authorization: `Bearer ${stack.token}` };
    const whole = await stack.app.request(`/api/phone-records/${r!.id}/recording`, { headers: auth });
    expect(whole.status).toBe(200);
    expect(Buffer.from(await whole.arrayBuffer()).equals(audio)).toBe(true);
    const part = await stack.app.request(`/api/phone-records/${r!.id}/recording`, {
      headers: { ...auth, range: 'bytes=4-9' },
    });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe(`bytes 4-9/${audio.length}`);
    expect(Buffer.from(await part.arrayBuffer()).equals(audio.subarray(4, 10))).toBe(true);
    expect(s3.requests.at(-1)?.headers.range).toBe('bytes=4-9');

    // Erasure reaches the bucket: the object is deleted, and deleting again finds nothing left.
    const del = (id: string) =>
      stack.app.request(`/api/phone-records/${id}`, {
        method: 'DELETE',
        headers: { authorization: `Bearer ${stack.token}` },
      });
    const removed = await del(r!.id);
    expect(removed.status).toBe(200);
    expect(((await removed.json()) as { data: { removed: Record<string, number> } }).data.removed).toMatchObject({
      phoneRecords: 1,
      recordings: 1,
    });
    expect(s3.objects.has(`calls/recordings/${r!.id}.mp3`)).toBe(false);
    // No noncurrent version or delete marker is left behind in the versioned bucket.
    expect(s3.versions.get(`calls/recordings/${r!.id}.mp3`)).toBeUndefined();
    expect((await del(r!.id)).status).toBe(404);
  });
});
