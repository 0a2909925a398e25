/**
 * `npm run bench:voice`: the receptionist's voice-to-voice time per turn, from the caller's last
 * speech frame to the first frame of the reply, measured by a Telnyx-like client streaming Flite
 * speech in real time (20 ms frames) into the product's stream endpoint. Three phases in one run:
 * - floor: the same loop, socket, endpointing, dialogue and pacing with engines that answer at once
 *   (the recogniser knows each utterance's words, the voice returns silence of the right length);
 * - local: Whisper tiny.en on utterances and Flite's 8 kHz voice, one call at a time;
 * - modelled vendors: the floor's engines behind the latencies the vendors are expected to add
 *   (Deepgram's final 300 ms, Claude's first sentence 400 ms, ElevenLabs' first audio 150 ms);
 *   not the vendors themselves, nor their fakes over the wire;
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
import { telephoneSpeech } from '../fixtures/speech.js';
import { dialStream } from '../fixtures/stream-caller.js';
import { encodeMuLaw } from '../platform/audio.js';
import { silentLog } from '../platform/logger.js';
import { arg, fmt, percentile, say } from './lib.js';

const callsPerPhase = arg('calls', 8);
const concurrent = arg('concurrent', 4);
const here = path.dirname(fileURLToPath(import.meta.url));

const SCRIPT = [
  'This is Priya Patel.',
  'It is about the invoice for March.',
  'Tomorrow at ten in the morning.',
  'Yes, that is right.',
];

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

async function phase(name: string, engines: typeof instant, parallel: number) {
  const service = createVoiceService({
    db,
    log: silentLog,
    engines,
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
/** Instant engines behind the latencies the issue names for the vendors (over the wire, not measured here). */
const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));
const modelledVendors: typeof instant = {
  // Deepgram's final transcript 300 ms after the utterance, then Claude's first sentence 400 ms later.
  recognizer: {
    ...instant.recognizer,
    recognize: async (a, h) => (await delay(700), instant.recognizer.recognize(a, h)),
  },
  // ElevenLabs' first audio 150 ms after the text.
  voice: { ...instant.voice, synthesize: async (t) => (await delay(150), instant.voice.synthesize(t)) },
};
const results = [
  await phase('floor (instant engines)', instant, 1),
  await phase('vendor latencies modelled (STT 300 + reply 400 + TTS 150 ms)', modelledVendors, 1),
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
