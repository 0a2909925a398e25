/** The receptionist's vendor voice through ElevenLabs' SDK against its fake, and the local fallback. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeElevenLabs } from '../fakes/vendors.js';
import type { FakeServer } from '../fakes/server.js';
import type { PhoneVoice } from './port.js';
import { createElevenLabsPhoneVoice, withFallback } from './vendors.js';

let fake: FakeServer;
beforeAll(async () => {
  fake = await startFakeElevenLabs();
});
afterAll(async () => fake?.close());

const local: PhoneVoice = {
  name: 'local',
  synthesize: async (text) => Buffer.alloc(text.length, 0x7f),
  warm: async () => undefined,
  close: async () => undefined,
};

describe('the receptionist on ElevenLabs', () => {
  it('asks for flash telephone audio (ulaw_8000) and plays what comes back', async () => {
    const voice = createElevenLabsPhoneVoice({ apiKey: 'xi-test', baseUrl: fake.url, voiceId: 'voice-1' });
    const audio = await voice.synthesize('Hello Dana, you have reached Marco.');
    expect(audio.length).toBeGreaterThanOrEqual(800);
    const req = fake.requests.at(-1)!;
    expect(req.path).toBe('/v1/text-to-speech/voice-1/stream');
    expect(req.query.get('output_format')).toBe('ulaw_8000');
    expect(JSON.parse(req.body.toString('utf8'))).toMatchObject({ model_id: 'eleven_flash_v2_5' });
  });

  it('falls back to the local voice for a sentence ElevenLabs fails or is too slow to say', async () => {
    const failures: string[] = [];
    const voice = withFallback(
      createElevenLabsPhoneVoice({ apiKey: 'xi-test', baseUrl: fake.url, voiceId: 'voice-1' }),
      local,
      500,
      (err) => failures.push(err.message),
    );
    fake.failNext({ kind: 'status', status: 503 });
    expect(await voice.synthesize('One.')).toEqual(Buffer.alloc(4, 0x7f));
    fake.failNext({ kind: 'slow', delayMs: 2000 });
    expect(await voice.synthesize('Two.')).toEqual(Buffer.alloc(4, 0x7f));
    expect(failures).toHaveLength(2);
    expect(failures[1]).toContain('took over 500 ms');
    // and ElevenLabs again for the next sentence
    expect((await voice.synthesize('Three words here.')).length).toBeGreaterThanOrEqual(800);
  });
});
