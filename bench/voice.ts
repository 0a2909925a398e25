/**
 * `npm run bench:voice`: the receptionist's voice-to-voice time per turn, from the caller's last
 * speech frame to the first frame of the reply, measured by a Telnyx-like client streaming Flite
 * speech in real time (20 ms frames) into the product's stream endpoint. Three phases in one run:
 * - floor: the same loop, socket, endpointing, dialogue and pacing with engines that answer at once
 *   (the recogniser knows each utterance's words, the voice returns silence of the right length);
 * - local: Whisper tiny.en on utterances and Flite's 8 kHz voice, one call at a time;
 * - vendor fakes: Deepgram's live socket, Claude streamed with its tools and ElevenLabs, each through
 *   its SDK against its fake over the wire, first with no added latency (their floor), then with
 *   the vendors' expected latencies (Deepgram's final 300 ms after the last speech, which is its
 *   endpointing; Claude's first token 400 ms; ElevenLabs' first audio 150 ms);
 * - local ×N: N simultaneous calls (`--concurrent`, default 4).
 * Each call is a four-turn conversation with an unknown caller (name, subject, time, confirmation);
 * `--calls` per phase (default 8, so 32 turns). Also CPU per call-minute (this process and its
 * engine children) and memory per concurrent call.
 * Results: bench/results/voice.json.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { openDatabase } from '../db/client.js';
import { createLocalSpeech } from '../activities/providers/speech/local.js';
import { createFliteVoice, createLocalRecognizer } from '../activities/providers/voice/local.js';
import type { PhoneVoice, UtteranceRecognizer } from '../activities/providers/voice/port.js';
import { createVoiceService } from '../api/voice/service.js';
import { CALLER_LINES, claudeSideOfTheCall } from '../fixtures/receptionist-call.js';
import { telephoneSpeech } from '../fixtures/speech.js';
import { startFakeAnthropic, startFakeDeepgram, startFakeElevenLabs } from '../activities/providers/fakes/vendors.js';
import { createClaudeConversation } from '../activities/providers/voice/claude.js';
import { createDeepgramLive } from '../activities/providers/voice/deepgram-live.js';
import { createElevenLabsPhoneVoice } from '../activities/providers/voice/vendors.js';
import type { ConversationModel, LiveRecognizer } from '../activities/providers/voice/port.js';
import { dialStream } from '../fixtures/stream-caller.js';
import { encodeMuLaw } from '../platform/audio.js';
import { silentLog } from '../platform/logger.js';
import { arg, fmt, percentile, say } from './lib.js';

const callsPerPhase = arg('calls', 8);
const concurrent = arg('concurrent', 4);
const here = path.dirname(fileURLToPath(import.meta.url));

const SCRIPT = CALLER_LINES;

/** CPU ticks and resident memory of this process and every process below it, from /proc. */
function tree(): { cpuMs: number; rssMb: number } {
  const parent = new Map<number, number>();
  const stat = new Map<number, string[]>();
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!pid) continue;
    try {
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      parent.set(pid, Number(fields[1]));
      stat.set(pid, fields);
    } catch {
      // gone
    }
  }
  let cpu = 0;
  let rss = 0;
  for (const [pid, fields] of stat) {
    let p: number | undefined = pid;
    while (p && p !== process.pid) p = parent.get(p);
    if (p !== process.pid) continue;
    cpu += ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
    rss += (Number(fields[21]) * 4096) / 1e6;
  }
  return { cpuMs: cpu, rssMb: rss };
}

const db = (await openDatabase({ pgliteDir: 'memory://' })).db;
say('synthesising the caller (Flite) ...');
const lines = await Promise.all(SCRIPT.map(async (t) => encodeMuLaw(await telephoneSpeech(t))));

/** Engines that answer at once: the floor. The recogniser knows each line by its length. */
const instant: { recognizer: UtteranceRecognizer; voice: PhoneVoice } = {
  recognizer: {
    name: 'instant',
    async recognize(audio) {
      // The endpointer's cut differs from the clip by its pre-roll and trailing silence.
      let best = 0;
      lines.forEach((l, i) => {
        if (Math.abs(l.length - audio.length) < Math.abs(lines[best]!.length - audio.length)) best = i;
      });
      return SCRIPT[best]!;
    },
    warm: async () => undefined,
    close: async () => undefined,
  },
  voice: {
    name: 'instant',
    synthesize: async (text) => Buffer.alloc(text.length * 500, 0xff),
    warm: async () => undefined,
    close: async () => undefined,
  },
};

type Engines = typeof instant & { live?: LiveRecognizer };

async function phase(name: string, engines: Engines, parallel: number, conversation?: ConversationModel) {
  const service = createVoiceService({
    db,
    log: silentLog,
    engines,
    conversation,
    settings: { ownerName: 'Marco', timeZone: 'America/Chicago', maxCallMs: 600_000, endpointSilenceMs: 600 },
  });
  await service.warm();
  const server = createServer();
  service.attach(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  const turns: number[] = [];
  let dropped = 0;
  let talkMs = 0;
  let peakRss = 0;
  const before = tree();
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, tree().rssMb)), 500);

  async function oneCall() {
    const sid = `bench-${randomUUID()}`;
    const token = await service.mint({ callControlId: sid, callSessionId: sid });
    const started = performance.now();
    const caller = await dialStream(`ws://127.0.0.1:${port}/api/voice/telnyx-stream/${token}`, {
      callControlId: sid,
      lineNoise: 0.02,
    });
    await caller.reply(performance.now(), { quietMs: 700 });
    for (const line of lines) {
      const last = await caller.say(line);
      const heard = await caller.reply(last, { quietMs: 700 }).catch(() => undefined);
      if (!heard) {
        dropped++;
        break;
      }
      turns.push(heard.latencyMs);
    }
    const closed = await Promise.race([caller.closed, new Promise((r) => setTimeout(() => r(null), 15_000))]);
    if (!closed) {
      dropped++;
      await caller.hangUp();
    }
    talkMs += performance.now() - started;
  }

  let next = 0;
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next < callsPerPhase) {
        next++;
        await oneCall();
      }
    }),
  );
  clearInterval(sampler);
  const after = tree();
  await service.close();
  await new Promise((r) => server.close(r));
  turns.sort((a, b) => a - b);
  const result = {
    phase: name,
    concurrent: parallel,
    calls: callsPerPhase,
    turns: turns.length,
    dropped,
    p50: percentile(turns, 50),
    p90: percentile(turns, 90),
    max: turns.at(-1) ?? NaN,
    cpuPerCallMinute: `${((after.cpuMs - before.cpuMs) / (talkMs / 60_000) / 1000).toFixed(1)} s`,
    memoryPerConcurrentCallMb: Math.round((peakRss - before.rssMb) / parallel),
  };
  say(
    `${name}: ${result.turns} turns, p50 ${fmt(result.p50)} p90 ${fmt(result.p90)} max ${fmt(result.max)}, dropped ${dropped}; CPU ${result.cpuPerCallMinute} per call-minute; +${result.memoryPerConcurrentCallMb} MB per concurrent call`,
  );
  return result;
}

const workDir = path.join(here, '..', '.data', 'bench-voice');
const local = () => ({
  recognizer: createLocalRecognizer(createLocalSpeech({ workDir, concurrency: 2 })),
  voice: createFliteVoice(),
});
/**
 * The vendors' adapters (official SDKs) against their fakes over the wire: Deepgram's live socket
 * (endpointing 300 ms of silence, then `finalMs` before the final result), Claude streamed
 * (`firstTokenMs` to its first event, 15 ms between words) and ElevenLabs (`firstAudioMs`).
 */
async function vendorFakes(o: { finalMs: number; firstTokenMs: number; tokenMs: number; firstAudioMs: number }) {
  const deepgram = await startFakeDeepgram({ hear: (n) => SCRIPT[n] ?? '', finalLatencyMs: o.finalMs });
  const claude = await startFakeAnthropic({
    converse: claudeSideOfTheCall,
    firstTokenMs: o.firstTokenMs,
    tokenMs: o.tokenMs,
  });
  const eleven = await startFakeElevenLabs({ firstAudioMs: o.firstAudioMs });
  return {
    engines: {
      ...instant,
      live: createDeepgramLive({ apiKey: 'bench', baseUrl: deepgram.url, model: 'nova-3', endpointingMs: 300 }),
      voice: createElevenLabsPhoneVoice({ apiKey: 'bench', baseUrl: eleven.url, voiceId: 'bench' }),
    },
    conversation: createClaudeConversation({ apiKey: 'bench', baseUrl: claude.url, model: 'claude-haiku-4-5' }),
    close: () => Promise.all([deepgram.close(), claude.close(), eleven.close()]),
  };
}
async function vendorPhase(name: string, latencies: Parameters<typeof vendorFakes>[0]) {
  const v = await vendorFakes(latencies);
  try {
    return await phase(name, v.engines, 1, v.conversation);
  } finally {
    await v.close();
  }
}
const results = [
  await phase('floor (instant engines)', instant, 1),
  await vendorPhase('vendor fakes, no added latency (their floor: endpointing 300 ms)', {
    finalMs: 0,
    firstTokenMs: 0,
    tokenMs: 0,
    firstAudioMs: 0,
  }),
  await vendorPhase('vendor fakes (Deepgram final 300 ms after speech, Claude first token 400 ms, ElevenLabs 150 ms)', {
    finalMs: 0,
    firstTokenMs: 400,
    tokenMs: 15,
    firstAudioMs: 150,
  }),
  await phase('local (whisper tiny.en + flite)', local(), 1),
  await phase(`local, ${concurrent} simultaneous calls`, local(), concurrent),
];
await mkdir(path.join(here, 'results'), { recursive: true });
await writeFile(
  path.join(here, 'results', 'voice.json'),
  `${JSON.stringify({ at: new Date().toISOString(), script: SCRIPT, results }, null, 2)}\n`,
);
say('results: bench/results/voice.json');
process.exit(0);
