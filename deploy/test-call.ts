/**
 * The Setup page's "Play a test call", for the embedded default: one call with synthetic speech
 * (the simulator's dialogues, synthesised once into the data folder) played through the whole
 * product as Telnyx would deliver it: the recording hosted on loopback, and the Call Control
 * lifecycle signed with the development key and posted to this server's own webhook.
 * Only possible while webhooks are verified with the development key (no TELNYX_PUBLIC_KEY).
 */
import { randomInt, randomUUID } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { callLifecycle, signTelnyx, startFakeTelnyx, type FakeTelnyx } from '../activities/providers/telephony/fake.js';
import { dialogueAudio, DIALOGUES } from '../fixtures/speech.js';

/** How long a test call's recording is served (Telnyx's recording URLs expire after 10 minutes). */
export const RECORDING_URL_LIFETIME_MS = 10 * 60_000;

export interface TestCalls {
  /** Starts one call; resolves once Telnyx's events were accepted, with its call session id. */
  place(): Promise<{ callSessionId: string }>;
  /**
   * A call the owner takes in the browser ("Talk to your receptionist"): the TeXML fetch and the
   * answer, as Telnyx sends them; the stream path (with its token) the browser then connects to.
   */
  talk(): Promise<{ callSessionId: string; streamPath: string }>;
  /** The browser hung up: the call's end, and no recording (the audio stayed in the browser). */
  hangUp(callSessionId: string): Promise<void>;
  close(): Promise<void>;
}

export function createTestCalls(o: {
  dataDir: string;
  privateKey: KeyObject;
  selfUrl: string;
  ourNumber: string;
}): TestCalls {
  let host: Promise<FakeTelnyx> | undefined;
  const talking = new Map<string, number>();
  // The owner's own test line: 555-01xx is reserved for fiction.
  const talkFields = (sid: string) => ({
    CallSid: sid,
    CallSessionId: sid,
    From: '+13125550100',
    To: o.ourNumber,
    Direction: 'inbound',
  });
  async function texml(route: string, fields: Record<string, string>): Promise<string> {
    const body = new URLSearchParams(fields).toString();
    const res = await fetch(`${o.selfUrl}${route}`, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...signTelnyx(o.privateKey, body) },
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`the webhook answered ${res.status} to the browser call's ${route}`);
    return text;
  }
  return {
    async place() {
      const recordings = await (host ??= startFakeTelnyx(0));
      const dialogue = randomInt(DIALOGUES.length);
      const wav = await dialogueAudio(o.dataDir, dialogue);
      // 8 kHz, two channels of one byte each (µ-law) after a 44-byte header.
      const talkSeconds = Math.max(1, Math.round((wav.length - 44) / 16_000));
      // 555-01xx numbers are reserved for fiction: the test call never names a real person.
      const from = `+1312555${String(100 + randomInt(100)).padStart(4, '0')}`;
      const name = `test-call-${Date.now()}-${randomInt(1e6)}.wav`;
      const url = recordings.hostRecording(name, wav, 'audio/wav');
      // Like Telnyx's link, it lives 10 minutes: the audio is not kept in memory for ever.
      setTimeout(() => recordings.unhost(name), RECORDING_URL_LIFETIME_MS).unref();
      const { callSessionId, events } = callLifecycle({
        from,
        to: o.ourNumber,
        answered: true,
        talkSeconds,
        recordingUrl: url,
      });
      for (const event of events) {
        const body = JSON.stringify(event);
        const res = await fetch(`${o.selfUrl}/webhooks/telnyx/voice`, {
          method: 'POST',
          body,
          headers: { 'content-type': 'application/json', ...signTelnyx(o.privateKey, body) },
        });
        await res.arrayBuffer();
        if (!res.ok)
          throw new Error(
            `the webhook answered ${res.status} to the test call's ${String((event.data as { event_type: string }).event_type)}`,
          );
      }
      return { callSessionId };
    },
    async talk() {
      const sid = `v3:browser-${randomUUID()}`;
      const xml = await texml('/webhooks/telnyx/voice', { ...talkFields(sid), CallStatus: 'ringing' });
      const url = /<Stream url="([^"]+)"/.exec(xml)?.[1];
      if (!url) throw new Error('the receptionist is off (RECEPTIONIST=off): there is nobody to talk to');
      await texml('/webhooks/telnyx/status', { ...talkFields(sid), CallStatus: 'in-progress', SequenceNumber: '1' });
      talking.set(sid, Date.now());
      return { callSessionId: sid, streamPath: new URL(url.replace(/&amp;/g, '&')).pathname };
    },
    async hangUp(sid) {
      const started = talking.get(sid);
      if (started === undefined) throw new Error('no such browser call');
      talking.delete(sid);
      await texml('/webhooks/telnyx/status', {
        ...talkFields(sid),
        CallStatus: 'completed',
        CallDuration: String(Math.max(1, Math.round((Date.now() - started) / 1000))),
        StartTime: new Date(started).toISOString(),
        EndTime: new Date().toISOString(),
        SequenceNumber: '2',
      });
      await texml('/webhooks/telnyx/recording', { ...talkFields(sid), RecordingStatus: 'absent' });
    },
    async close() {
      if (host) await (await host).close();
    },
  };
}
