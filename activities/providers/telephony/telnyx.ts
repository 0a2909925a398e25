/** Telnyx adapter on the official `telnyx` SDK; base URL and key from config. */
import Telnyx from 'telnyx';
import { z } from 'zod';
import { callProvider } from '../errors.js';
import type { CallDetailRecord, TelephonyPort } from './port.js';

const cdrSchema = z
  .object({
    session_id: z.string().optional(),
    call_session_id: z.string().optional(),
    telnyx_call_control_id: z.string().optional(),
    call_control_id: z.string().optional(),
    direction: z.string().optional(),
    cli: z.string().optional(),
    cld: z.string().optional(),
    from: z.string().optional(),
    to: z.string().optional(),
    started_at: z.string().optional(),
    finished_at: z.string().optional(),
    call_sec: z.coerce.number().optional(),
    caller_name: z.string().optional(),
  })
  .passthrough();

export interface TelnyxOptions {
  apiKey: string;
  baseUrl?: string;
  voice: string;
  fromNumber?: string;
  messagingProfileId?: string;
  /** The Call Control application (connection) outbound legs are dialled on. */
  connectionId?: string;
}

/** Telnyx answers a command on a leg that already hung up with 422 (code 90018): nothing left to do. */
const alreadyEnded = (err: unknown) => {
  const e = err as { status?: number; error?: { errors?: { code?: string }[] }; message?: string };
  return e?.status === 422 && /90018|already ended|not active/i.test(`${JSON.stringify(e.error ?? '')} ${e.message}`);
};

/** Create the Telnyx telephony adapter. */
export function createTelnyxTelephony(options: TelnyxOptions): TelephonyPort {
  const client = new Telnyx({ apiKey: options.apiKey, baseURL: options.baseUrl, maxRetries: 0, timeout: 10_000 });
  const call = <T>(fn: () => Promise<T>) => callProvider('telnyx', fn);
  return {
    name: 'telnyx',
    async answerAndRecord({ callControlId, commandKey, greeting, greetingAudioUrl, stream }) {
      // command_id makes each command idempotent on Telnyx's side when an activity is retried.
      await call(() => client.calls.actions.answer(callControlId, { command_id: `${commandKey}-answer` }));
      if (stream) {
        // Recording first, so the whole conversation is in it; RTP both ways, or Telnyx drops what we send.
        await call(() =>
          client.calls.actions.startRecording(callControlId, {
            format: 'mp3',
            channels: 'dual',
            command_id: `${commandKey}-record`,
          }),
        );
        await call(() =>
          client.calls.actions.startStreaming(callControlId, {
            stream_url: stream.url,
            stream_track: 'inbound_track',
            stream_codec: 'PCMU',
            stream_bidirectional_mode: 'rtp',
            stream_bidirectional_codec: 'PCMU',
            stream_auth_token: stream.authToken,
            command_id: `${commandKey}-stream`,
          }),
        );
        return;
      }
      if (greetingAudioUrl) {
        await call(() =>
          client.calls.actions.startPlayback(callControlId, {
            audio_url: greetingAudioUrl,
            command_id: `${commandKey}-greet`,
          }),
        );
      } else {
        await call(() =>
          client.calls.actions.speak(callControlId, {
            payload: greeting,
            voice: options.voice,
            command_id: `${commandKey}-greet`,
          }),
        );
      }
      await call(() =>
        client.calls.actions.startRecording(callControlId, {
          format: 'mp3',
          channels: 'dual',
          command_id: `${commandKey}-record`,
        }),
      );
    },
    async dialOwner({ linkTo, to, from, timeoutSecs, clientState, commandKey }) {
      if (!options.connectionId) throw new Error('TELNYX_CONNECTION_ID is required to ring the owner');
      const connectionId = options.connectionId;
      const res = await call(() =>
        client.calls.dial({
          connection_id: connectionId,
          to,
          from,
          link_to: linkTo,
          bridge_intent: true,
          timeout_secs: timeoutSecs,
          answering_machine_detection: 'premium',
          client_state: clientState,
          command_id: `${commandKey}-dial-owner`,
        }),
      );
      const id = res.data?.call_control_id;
      if (!id) throw new Error('telnyx: dial answered without a call_control_id');
      return { callControlId: id };
    },
    async bridgeToOwner({ callControlId, ownerCallControlId, commandKey }) {
      await call(() =>
        client.calls.actions.bridge(callControlId, {
          call_control_id_to_bridge_with: ownerCallControlId,
          command_id: `${commandKey}-bridge`,
        }),
      );
      // Then the receptionist leaves the call. A stream that cannot be stopped only costs silence
      // (the receptionist says nothing more); retrying would bridge again.
      try {
        await client.calls.actions.stopStreaming(callControlId, { command_id: `${commandKey}-stream-stop` });
      } catch {
        // already stopped, or Telnyx is away: the bridge is what matters
      }
    },
    async hangupLeg({ callControlId, commandKey }) {
      await call(async () => {
        try {
          await client.calls.actions.hangup(callControlId, { command_id: `${commandKey}-hangup` });
        } catch (err) {
          if (!alreadyEnded(err)) throw err;
        }
      });
    },
    async sendSms({ to, text, from }) {
      const res = await call(() =>
        client.messages.send({
          to,
          text,
          ...((from ?? options.fromNumber) ? { from: from ?? options.fromNumber } : {}),
          ...(options.messagingProfileId ? { messaging_profile_id: options.messagingProfileId } : {}),
        }),
      );
      return { messageId: res.data?.id ?? 'unknown' };
    },
    async listCallDetailRecords({ since, limit }) {
      const out: CallDetailRecord[] = [];
      const filter = { record_type: 'call-control', 'started_at][gte': since.toISOString() } as never;
      await call(async () => {
        for await (const item of client.detailRecords.list({ filter, page: { size: 50 } } as never)) {
          const r = cdrSchema.safeParse(item);
          if (!r.success) continue;
          const d = r.data;
          const sessionId = d.call_session_id ?? d.session_id;
          if (!sessionId) continue;
          out.push({
            callSessionId: sessionId,
            callControlId: d.call_control_id ?? d.telnyx_call_control_id,
            direction: d.direction === 'outbound' || d.direction === 'outgoing' ? 'outbound' : 'inbound',
            from: d.cli ?? d.from ?? 'unknown',
            to: d.cld ?? d.to ?? 'unknown',
            startedAt: d.started_at,
            endedAt: d.finished_at,
            durationSeconds: d.call_sec,
            callerName: d.caller_name,
          });
          if (out.length >= limit) break;
        }
      });
      return out;
    },
  };
}
