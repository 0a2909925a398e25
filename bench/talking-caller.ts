/**
 * A caller who talks to the receptionist, as Telnyx delivers it: the signed TeXML fetch, the media
 * stream its answer names (Flite speech in real time), then the call's status callbacks and a
 * dual-channel recording of what was said (the caller left, the receptionist right), so the call
 * goes through the pipeline like any other. Used by `npm run simulate -- --talk N`.
 */
import { randomUUID, type KeyObject } from 'node:crypto';
import { signTelnyx, type FakeTelnyx } from '../activities/providers/telephony/fake.js';
import { telephoneSpeech } from '../fixtures/speech.js';
import { dialStream, trimTrailingSilence } from '../fixtures/stream-caller.js';
import { encodeMuLaw, muLawWavOf, TELEPHONE_RATE } from '../platform/audio.js';

export const TALK_SCRIPT = [
  'This is Priya Patel.',
  'I am calling about the invoice for March.',
  'Tomorrow at ten in the morning.',
  'Yes, that is right.',
];

export interface Talk {
  callSessionId: string;
  /** Voice to voice per turn, ms. */
  latencies: number[];
  /** Whether the receptionist said goodbye and hung up on its own. */
  finished: boolean;
  /** What the caller said (the transcript should contain it). */
  text: string;
}

async function form(url: string, key: KeyObject, fields: Record<string, string>): Promise<string> {
  const body = new URLSearchParams(fields).toString();
  const res = await fetch(url, {
    method: 'POST',
    body,
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...signTelnyx(key, body) },
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${url} answered ${res.status}`);
  return text;
}

export async function talkToReceptionist(o: {
  target: string;
  key: KeyObject;
  host: FakeTelnyx;
  from: string;
  to: string;
  /** A contact already: skip saying the name. */
  known: boolean;
}): Promise<Talk> {
  const sid = `v3:sim-talk-${randomUUID()}`;
  const base = { CallSid: sid, CallSessionId: sid, From: o.from, To: o.to, Direction: 'inbound' };
  const started = new Date();
  const xml = await form(`${o.target}/webhooks/telnyx/voice`, o.key, { ...base, CallStatus: 'ringing' });
  const url = /<Stream url="([^"]+)"/.exec(xml)?.[1];
  if (!url) throw new Error('the answer has no <Stream>: is the receptionist off (RECEPTIONIST=off)?');
  await form(`${o.target}/webhooks/telnyx/status`, o.key, { ...base, CallStatus: 'in-progress', SequenceNumber: '1' });
  const caller = await dialStream(url.replace(/&amp;/g, '&'), { callControlId: sid, lineNoise: 0.02 });
  const lines = o.known ? TALK_SCRIPT.slice(1) : TALK_SCRIPT;
  // The recording: each side on its channel, one after the other.
  const left: Buffer[] = [];
  const right: Buffer[] = [];
  const put = (side: Buffer[], other: Buffer[], audio: Buffer) => {
    side.push(audio);
    other.push(Buffer.alloc(audio.length, 0xff));
  };
  put(right, left, (await caller.reply(performance.now(), { quietMs: 700 })).audio);
  const latencies: number[] = [];
  for (const line of lines) {
    const clip = trimTrailingSilence(encodeMuLaw(await telephoneSpeech(line)));
    put(left, right, clip);
    const heard = await caller.reply(await caller.say(clip), { quietMs: 700 });
    latencies.push(heard.latencyMs);
    put(right, left, heard.audio);
  }
  const closed = await Promise.race([caller.closed, new Promise<null>((r) => setTimeout(() => r(null), 10_000))]);
  if (!closed) await caller.hangUp();
  // Telnyx's TeXML next step, then the hangup and the recording.
  await form(`${o.target}/webhooks/telnyx/voice/after-stream`, o.key, base);
  const l = Buffer.concat(left);
  const r = Buffer.concat(right);
  const stereo = Buffer.alloc(l.length * 2);
  for (let i = 0; i < l.length; i++) {
    stereo[2 * i] = l[i]!;
    stereo[2 * i + 1] = r[i]!;
  }
  const seconds = Math.max(1, Math.round(l.length / TELEPHONE_RATE));
  const recordingUrl = o.host.hostRecording(`talk-${randomUUID()}.wav`, muLawWavOf(stereo, 2), 'audio/wav');
  await form(`${o.target}/webhooks/telnyx/status`, o.key, {
    ...base,
    CallStatus: 'completed',
    CallDuration: String(seconds),
    StartTime: started.toISOString(),
    EndTime: new Date().toISOString(),
    SequenceNumber: '2',
  });
  await form(`${o.target}/webhooks/telnyx/recording`, o.key, {
    ...base,
    RecordingSid: randomUUID(),
    RecordingUrl: recordingUrl,
    RecordingStatus: 'completed',
    RecordingChannels: '2',
    RecordingDuration: String(seconds),
  });
  return { callSessionId: sid, latencies, finished: closed !== null && closed.code === 1000, text: lines.join(' ') };
}
