/** Call Control greetings: ElevenLabs audio when configured (cached per text), Telnyx's voice otherwise or on failure. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeElevenLabs } from './providers/fakes/vendors.js';
import type { FakeServer } from './providers/fakes/server.js';
import { callLifecycle, startFakeTelnyx, type FakeTelnyx } from './providers/telephony/fake.js';
import { contacts } from '../db/schema/index.js';
import { postSigned, startStack, type Stack } from '../test/stack.js';

let stack: Stack;
let telnyx: FakeTelnyx;
let eleven: FakeServer;

const ring = async (from: string) => {
  const { events } = callLifecycle({ from, to: '+13125550199', answered: false });
  const initiated = events[0]!;
  expect((await postSigned(stack.app, stack.keys.privateKey, '/webhooks/telnyx/voice', initiated)).status).toBe(200);
  return ((initiated.data as Record<string, unknown>).payload as { call_control_id: string }).call_control_id;
};
const commandsFor = async (ccid: string, want: string) => {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const found = telnyx.requests.filter((r) => r.path.includes(ccid));
    if (found.some((r) => r.path.endsWith(want)) || Date.now() > deadline) return found;
    await new Promise((r) => setTimeout(r, 100));
  }
};

beforeAll(async () => {
  telnyx = await startFakeTelnyx();
  eleven = await startFakeElevenLabs();
  stack = await startStack({
    env: {
      TELNYX_API_KEY: 'KEYfake',
      TELNYX_BASE_URL: telnyx.baseUrl,
      ELEVENLABS_API_KEY: 'xi-fake',
      ELEVENLABS_BASE_URL: eleven.url,
      PUBLIC_BASE_URL: 'https://cc.example.com',
      // Greetings are what Call Control plays without the receptionist (which greets over its stream).
      RECEPTIONIST: 'off',
    },
  });
  await stack.database.db
    .insert(contacts)
    .values({ firstName: 'Ada', lastName: 'Lovelace', phoneE164: '+12125550100' });
});
afterAll(async () => {
  await stack?.stop();
  await telnyx?.close();
  await eleven?.close();
});

describe('greetings', () => {
  it('plays ElevenLabs audio of the greeting by name, served from /media, synthesised once per text', async () => {
    const first = await ring('+12125550100');
    const played = (await commandsFor(first, 'playback_start')).find((r) => r.path.endsWith('playback_start'))!;
    expect(played).toBeDefined();
    const audioUrl = (played.body as { audio_url: string }).audio_url;
    expect(audioUrl).toMatch(/^https:\/\/cc\.example\.com\/media\/greetings\/[0-9a-f]{64}\.mp3$/);
    expect(eleven.requests).toHaveLength(1);
    expect(eleven.requests[0]!.body.toString()).toContain('Hello Ada');
    const media = await stack.app.request(new URL(audioUrl).pathname);
    expect(media.status).toBe(200);
    expect(media.headers.get('content-type')).toBe('audio/mpeg');
    expect(Buffer.from(await media.arrayBuffer()).toString()).toContain('Hello Ada');

    const second = await ring('+12125550100');
    const again = (await commandsFor(second, 'playback_start')).find((r) => r.path.endsWith('playback_start'))!;
    expect((again.body as { audio_url: string }).audio_url).toBe(audioUrl);
    expect(eleven.requests).toHaveLength(1);
    expect((await stack.app.request('/media/greetings/..%2F..%2Fapi-token')).status).toBe(404);
  });

  it('falls back to Telnyx speak when ElevenLabs fails, without delaying the answer', async () => {
    eleven.failNext({ kind: 'status', status: 500 });
    await stack.database.db
      .insert(contacts)
      .values({ firstName: 'Grace', lastName: 'Hopper', phoneE164: '+14155550111' });
    const ccid = await ring('+14155550111');
    const cmds = await commandsFor(ccid, 'speak');
    const spoken = cmds.find((r) => r.path.endsWith('speak'));
    expect(spoken).toBeDefined();
    expect((spoken!.body as { payload: string }).payload).toContain('Hello Grace');
    expect(cmds.some((r) => r.path.endsWith('answer'))).toBe(true);
    expect(cmds.some((r) => r.path.endsWith('playback_start'))).toBe(false);
  });

  it('forgetting a contact removes the cached greeting that says their name', async () => {
    const [grace] = await stack.database.db
      .insert(contacts)
      .values({ firstName: 'Linus', lastName: 'Torvalds', phoneE164: '+14155550122' })
      .returning();
    const ccid = await ring('+14155550122');
    const played = (await commandsFor(ccid, 'playback_start')).find((r) => r.path.endsWith('playback_start'))!;
    const audioPath = new URL((played.body as { audio_url: string }).audio_url).pathname;
    expect((await stack.app.request(audioPath)).status).toBe(200);
    const forgot = await stack.app.request(`/api/contacts/${grace!.id}/forget`, {
      method: 'POST',
      headers: { authorization: `Bearer ${stack.token}` },
    });
    expect(forgot.status).toBe(200);
    expect((await stack.app.request(audioPath)).status).toBe(404);
  });
});
