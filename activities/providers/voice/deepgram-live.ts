/**
 * Deepgram's live transcription socket through the official SDK (v5 `listen.v1.connect`): the
 * caller's 20 ms µ-law frames go in as they arrive; Deepgram's endpointing (`endpointing` ms of
 * silence) marks the end of an utterance with `speech_final`, and `UtteranceEnd` catches one whose
 * end the endpointing missed. The finals of one utterance are joined and handed on once. Nova-3
 * keyterm prompting carries the names the caller may say. No reconnects: a socket that fails is
 * reported once, and the call goes on with the local engine.
 */
import { ProviderError, toProviderError } from '../errors.js';
import type { LiveRecognizer } from './port.js';

interface LiveMessage {
  type?: string;
  is_final?: boolean;
  speech_final?: boolean;
  channel?: { alternatives?: { transcript?: string }[] };
}

interface ListenSocket {
  on(event: 'message', cb: (m: LiveMessage) => void): void;
  on(event: 'error', cb: (e: Error) => void): void;
  on(event: 'close', cb: (e: { code?: number }) => void): void;
  connect(): unknown;
  waitForOpen(): Promise<unknown>;
  sendMedia(b: ArrayBufferView): void;
  sendCloseStream(m: { type: 'CloseStream' }): void;
  close(): void;
}

export function createDeepgramLive(o: {
  apiKey: string;
  baseUrl?: string;
  model: string;
  /** Silence that ends an utterance, as Deepgram's `endpointing`. */
  endpointingMs?: number;
}): LiveRecognizer {
  return {
    name: `deepgram-live:${o.model}`,
    async open({ hints, onFinal, onError }) {
      const sdk = (await import('@deepgram/sdk')) as unknown as {
        DeepgramClient: new (c: object) => { listen: { v1: { connect(a: object): Promise<ListenSocket> } } };
      };
      const client = new sdk.DeepgramClient({ apiKey: o.apiKey, ...(o.baseUrl ? { baseUrl: o.baseUrl } : {}) });
      let closing = false;
      let failed = false;
      const fail = (err: Error) => {
        if (closing || failed) return;
        failed = true;
        onError(err);
      };
      let socket: ListenSocket;
      try {
        socket = await client.listen.v1.connect({
          model: o.model,
          encoding: 'mulaw',
          sample_rate: 8000,
          channels: 1,
          interim_results: true,
          endpointing: o.endpointingMs ?? 300,
          utterance_end_ms: 1000,
          vad_events: true,
          punctuate: true,
          smart_format: true,
          ...(hints.length > 0 ? { keyterm: hints.slice(0, 50) } : {}),
          reconnectAttempts: 0,
          connectionTimeoutInSeconds: 3,
        });
        let parts: string[] = [];
        const flush = () => {
          const text = parts.join(' ').trim();
          parts = [];
          if (text) onFinal(text);
        };
        socket.on('message', (m) => {
          if (m.type === 'Results') {
            const text = m.channel?.alternatives?.[0]?.transcript?.trim();
            if (m.is_final && text) parts.push(text);
            if (m.speech_final) flush();
          } else if (m.type === 'UtteranceEnd') flush();
        });
        socket.on('error', (e) => fail(toProviderError('deepgram', e)));
        socket.on('close', (e) =>
          fail(new ProviderError(`deepgram: the live socket closed (${e?.code ?? 'no code'})`, true, 'deepgram')),
        );
        socket.connect();
        await socket.waitForOpen();
      } catch (err) {
        throw toProviderError('deepgram', err);
      }
      return {
        send(frame) {
          if (closing || failed) return;
          try {
            socket.sendMedia(frame);
          } catch (err) {
            fail(toProviderError('deepgram', err));
          }
        },
        close() {
          if (closing) return;
          closing = true;
          try {
            socket.sendCloseStream({ type: 'CloseStream' });
          } catch {
            // already closed
          }
          socket.close();
        },
      };
    },
  };
}
