/**
 * The receptionist on its vendors, each through its official SDK against a fake speaking its wire
 * protocol: Deepgram's live socket hears the caller, Claude (streamed) holds the conversation with
 * its tools, ElevenLabs speaks; a Telnyx-like caller streams Flite speech in real time. Then the
 * same call with each vendor failing: the local engines take over and the call completes.
 */
import { randomUUID, type KeyObject } from 'node:crypto';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type DatabaseHandle } from '../../db/client.js';
import { voiceSessionOfControl } from '../../db/queries/voice.js';
import { tasks } from '../../db/schema/index.js';
import {
  startFakeAnthropic,
  startFakeDeepgram,
  startFakeElevenLabs,
  type FakeDeepgram,
} from '../../activities/providers/fakes/vendors.js';
import type { FakeServer } from '../../activities/providers/fakes/server.js';
import { createClaudeConversation } from '../../activities/providers/voice/claude.js';
import { createDeepgramLive } from '../../activities/providers/voice/deepgram-live.js';
import type { UtteranceRecognizer } from '../../activities/providers/voice/port.js';
import { createElevenLabsPhoneVoice, withFallback } from '../../activities/providers/voice/vendors.js';
import { createFliteVoice } from '../../activities/providers/voice/local.js';
import { CALLER_LINES, claudeSideOfTheCall } from '../../fixtures/receptionist-call.js';
import { telephoneSpeech } from '../../fixtures/speech.js';
import { dialStream } from '../../fixtures/stream-caller.js';
import { encodeMuLaw } from '../../platform/audio.js';
import { silentLog } from '../../platform/logger.js';
import { createVoiceService, type VoiceService } from './service.js';
import { createReceptionistService } from '../compose.js';
import { loadConfig } from '../../config.js';
import type { ReceptionistMilestone } from '../../contract/index.js';
import type { WorkflowGateway } from '../../temporal/gateway.js';

const SCRIPT = CALLER_LINES;

let database: DatabaseHandle;
let deepgram: FakeDeepgram;
let claude: FakeServer;
let eleven: FakeServer;
/** As the API composes it from the configuration (vendor keys pointing at the fakes). */
let composed: { service: VoiceService; port: number; server: Server };
/** The same vendors with a stand-in for Whisper, to count what falls back to it. */
let handmade: { service: VoiceService; port: number; server: Server };
const milestones: { callSessionId: string; kind: string; result?: string }[] = [];
const fellBack: string[] = [];
let lines: Buffer[] = [];
let localHeard = 0;

/** The fallback recogniser: Whisper's place, answering in the script's order. */
const localRecognizer: UtteranceRecognizer = {
  name: 'local-stand-in',
  recognize: async () => SCRIPT[localHeard++ % SCRIPT.length]!,
  warm: async () => undefined,
  close: async () => undefined,
};

async function listen(service: VoiceService) {
  const server = createServer();
  service.attach(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { service, server, port: (server.address() as { port: number }).port };
}

beforeAll(async () => {
  database = await openDatabase({ pgliteDir: 'memory://' });
  deepgram = await startFakeDeepgram({ hear: (n) => SCRIPT[n] ?? '', finalLatencyMs: 50 });
  claude = await startFakeAnthropic({ converse: claudeSideOfTheCall, firstTokenMs: 50, tokenMs: 5 });
  eleven = await startFakeElevenLabs({ firstAudioMs: 20 });
  const config = loadConfig('embedded', {
    OWNER_NAME: 'Marco',
    OWNER_TIMEZONE: 'America/Chicago',
    DEEPGRAM_API_KEY: 'dg-test',
    DEEPGRAM_BASE_URL: deepgram.url,
    ANTHROPIC_API_KEY: 'sk-ant-test',
    ANTHROPIC_BASE_URL: claude.url,
    ELEVENLABS_API_KEY: 'xi-test',
    ELEVENLABS_BASE_URL: eleven.url,
    DATA_DIR: path.join(tmpdir(), `vendors-${randomUUID()}`),
  });
  const gateway = {
    signalReceptionist: async (callSessionId: string, m: ReceptionistMilestone) => {
      milestones.push({ callSessionId, kind: m.kind, ...(m.result ? { result: m.result } : {}) });
      return 'accepted' as const;
    },
  } as unknown as WorkflowGateway;
  composed = await listen(
    createReceptionistService(config, {
      database,
      gateway,
      log: silentLog,
      telnyxPublicKey: undefined as unknown as KeyObject,
    }),
  );
  handmade = await listen(
    createVoiceService({
      db: database.db,
      log: silentLog,
      engines: {
        live: createDeepgramLive({ apiKey: 'dg-test', baseUrl: deepgram.url, model: 'nova-3' }),
        recognizer: localRecognizer,
        voice: withFallback(
          createElevenLabsPhoneVoice({ apiKey: 'xi-test', baseUrl: eleven.url, voiceId: 'voice-1' }),
          createFliteVoice(),
          2000,
          (err) => fellBack.push(`elevenlabs: ${err.message}`),
        ),
      },
      conversation: createClaudeConversation({
        apiKey: 'sk-ant-test',
        baseUrl: claude.url,
        model: 'claude-haiku-4-5',
      }),
      settings: { ownerName: 'Marco', timeZone: 'America/Chicago', maxCallMs: 120_000, endpointSilenceMs: 600 },
    }),
  );
  lines = await Promise.all(SCRIPT.map(async (t) => encodeMuLaw(await telephoneSpeech(t))));
}, 120_000);
afterAll(async () => {
  for (const s of [composed, handmade]) {
    await s?.service.close();
    await new Promise((r) => s?.server.close(r));
  }
  await Promise.all([deepgram?.close(), claude?.close(), eleven?.close()]);
  await database?.close();
});

async function call({ service, port }: { service: VoiceService; port: number }) {
  const sid = `vendors-${randomUUID()}`;
  const token = await service.mint({ callControlId: sid, callSessionId: sid });
  const caller = await dialStream(`ws://127.0.0.1:${port}/api/voice/telnyx-stream/${token}`, {
    callControlId: sid,
    lineNoise: 0.02,
  });
  await caller.reply(performance.now(), { quietMs: 700 });
  for (const line of lines) {
    const last = await caller.say(line);
    await caller.reply(last, { quietMs: 700 });
  }
  const closed = await caller.closed;
  await new Promise((r) => setTimeout(r, 300));
  return { sid, closed, session: (await voiceSessionOfControl(database.db, sid))! };
}

describe('the receptionist on its vendors (fakes over the wire)', () => {
  it('hears on Deepgram live, converses with Claude and its tools, speaks with ElevenLabs; the owner gets the callback', async () => {
    const before = { dg: deepgram.live.length, claude: claude.requests.length, eleven: eleven.requests.length };
    expect(composed.service.engines()).toMatch(
      /^deepgram-live:nova-3 \(whisper tiny\.en \(utterances\) as fallback\) \+ elevenlabs:eleven_flash_v2_5 \(flite .+ as fallback\), anthropic:\S+ \(offline dialogue as fallback\)$/,
    );
    const { sid, closed, session } = await call(composed);
    expect(closed.code).toBe(1000);
    // Deepgram's socket: telephone audio, its endpointing, the owner's name as a key term.
    expect(deepgram.live.length).toBe(before.dg + 1);
    const q = deepgram.live.at(-1)!.query;
    expect([q.get('encoding'), q.get('sample_rate'), q.get('model'), q.get('endpointing')]).toEqual([
      'mulaw',
      '8000',
      'nova-3',
      '300',
    ]);
    expect(q.getAll('keyterm')).toContain('Marco');
    expect(deepgram.live.at(-1)!.headers.authorization).toBe('Token dg-test');
    // Claude: streamed, with the four tools, once per turn plus once after each tool call.
    const asked = claude.requests.slice(before.claude).map((r) => JSON.parse(r.body.toString('utf8')));
    expect(asked.length).toBe(6);
    expect(asked.every((b) => b.stream === true)).toBe(true);
    expect(asked[0].tools.map((t: { name: string }) => t.name)).toEqual([
      'take_message',
      'check_availability',
      'book_callback',
      'transfer_to_owner',
    ]);
    // ElevenLabs spoke every sentence after the greeting in telephone audio.
    const spoken = eleven.requests.slice(before.eleven);
    expect(spoken.length).toBeGreaterThanOrEqual(5);
    expect(spoken.every((r) => r.query.get('output_format') === 'ulaw_8000')).toBe(true);

    const turns = session.turns.map((t) => `${t.speaker}: ${t.text}`);
    expect(turns.filter((t) => t.startsWith('caller:'))).toEqual(SCRIPT.map((s) => `caller: ${s}`));
    expect(turns).toContain('receptionist: Marco will call you back tomorrow at 10 AM. Is that right?');
    expect(turns.at(-1)).toBe('receptionist: Thank you, Priya. Goodbye!');
    expect(session.outcome).toMatchObject({
      result: 'callback_booked',
      message: { name: 'Priya Patel', about: 'the invoice for March', callbackSpoken: 'tomorrow at 10 AM' },
    });
    const [task] = await database.db.select().from(tasks);
    expect(task!.title).toBe('Call Priya Patel back tomorrow at 10 AM about the invoice for March');
    // The call's workflow was told each milestone, in order, with no words in them.
    expect(milestones.filter((m) => m.callSessionId === sid)).toEqual([
      { callSessionId: sid, kind: 'started' },
      { callSessionId: sid, kind: 'callback_booked' },
      { callSessionId: sid, kind: 'message_taken' },
      { callSessionId: sid, kind: 'ended', result: 'callback_booked' },
    ]);
  });

  it('goes on with the local engines when Deepgram refuses the socket, Claude fails a turn and ElevenLabs a sentence', async () => {
    deepgram.refuseNextLive(503);
    claude.failNext({ kind: 'status', status: 500 });
    eleven.failNext({ kind: 'status', status: 503 });
    localHeard = 0;
    const { closed, session } = await call(handmade);
    expect(closed.code).toBe(1000);
    expect(localHeard).toBe(4); // every utterance recognised locally
    expect(fellBack).toHaveLength(1);
    expect(fellBack[0]).toMatch(/^elevenlabs: .*503/);
    expect(session.turns.filter((t) => t.speaker === 'caller').map((t) => t.text)).toEqual(SCRIPT);
    // The offline dialogue took the call over after Claude's failure and booked the callback.
    expect(session.outcome).toMatchObject({ result: 'callback_booked', message: { name: 'Priya Patel' } });
  });
});
