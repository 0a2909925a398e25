/**
 * The Setup page's "Play a test call", for the embedded default: one call with synthetic speech
 * (the simulator's dialogues, synthesised once into the data folder) played through the whole
 * product as Telnyx would deliver it: the recording hosted on loopback, and the Call Control
 * lifecycle signed with the development key and posted to this server's own webhook.
 * Only possible while webhooks are verified with the development key (no TELNYX_PUBLIC_KEY).
 */
import { randomInt } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { callLifecycle, signTelnyx, startFakeTelnyx, type FakeTelnyx } from '../activities/providers/telephony/fake.js';
import { dialogueAudio, DIALOGUES } from '../fixtures/speech.js';

/** How long a test call's recording is served (Telnyx's recording URLs expire after 10 minutes). */
export const RECORDING_URL_LIFETIME_MS = 10 * 60_000;

export interface TestCalls {
  /** Starts one call; resolves once Telnyx's events were accepted, with its call session id. */
  place(): Promise<{ callSessionId: string }>;
  close(): Promise<void>;
}

export function createTestCalls(o: {
  dataDir: string;
  privateKey: KeyObject;
  selfUrl: string;
  ourNumber: string;
}): TestCalls {
  let host: Promise<FakeTelnyx> | undefined;
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
    async close() {
      if (host) await (await host).close();
    },
  };
}
