/**
 * Turns Telnyx payloads into domain events. Tolerant of fields real payloads carry beyond the SDK's
 * types (`end_time` on hangup, `from_sip_uri`, …); strict about what we need.
 */
import { z } from 'zod';
import type { CountryCode } from 'libphonenumber-js';
import { normaliseParty } from '../../../platform/phone.js';
import {
  OWNER_LEG_CLIENT_STATE,
  type CallEvent,
  type CallEventType,
  type MessageEvent,
} from '../../../contract/index.js';

const isoDate = z.string().refine((v) => !Number.isNaN(Date.parse(v)), 'not a date');

export const envelopeSchema = z.object({
  data: z.object({
    event_type: z.string().min(1),
    id: z.string().min(1),
    occurred_at: isoDate,
    record_type: z.string().optional(),
    payload: z.record(z.string(), z.unknown()),
  }),
  meta: z.object({ attempt: z.number().optional(), delivered_to: z.string().optional() }).passthrough().optional(),
});

const callPayload = z
  .object({
    call_session_id: z.string().min(1),
    call_control_id: z.string().optional(),
    call_leg_id: z.string().optional(),
    direction: z.enum(['incoming', 'outgoing']).optional(),
    from: z.string().nullish(),
    to: z.string().nullish(),
    caller_id_name: z.string().nullish(),
    start_time: isoDate.nullish(),
    end_time: isoDate.nullish(),
    hangup_cause: z.string().nullish(),
    hangup_source: z.string().nullish(),
    channels: z.enum(['single', 'dual']).nullish(),
    recording_urls: z.object({ mp3: z.string().url().nullish(), wav: z.string().url().nullish() }).partial().nullish(),
    public_recording_urls: z
      .object({ mp3: z.string().url().nullish(), wav: z.string().url().nullish() })
      .partial()
      .nullish(),
    recording_started_at: isoDate.nullish(),
    recording_ended_at: isoDate.nullish(),
    reason: z.string().nullish(),
    client_state: z.string().nullish(),
    result: z.string().nullish(),
  })
  .passthrough();

const voiceTypes: Record<string, CallEventType> = {
  'call.initiated': 'call.initiated',
  'call.answered': 'call.answered',
  'call.hangup': 'call.hangup',
  'call.recording.saved': 'call.recording.saved',
  'call.recording.error': 'call.recording.error',
  // The owner's leg (ring the owner first): its answering-machine detection and the bridge.
  'call.machine.detection.ended': 'call.machine.detection.ended',
  'call.machine.premium.detection.ended': 'call.machine.detection.ended',
  'call.bridged': 'call.bridged',
};

export class PayloadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PayloadError';
  }
}

const issues = (e: z.ZodError) =>
  e.issues
    .slice(0, 5)
    .map((i) => `${i.path.join('.') || 'body'}: ${i.message}`)
    .join('; ');
const opt = <T>(v: T | null | undefined): T | undefined => (v === null ? undefined : v);
/** Lone UTF-16 surrogates replaced (U+FFFD): the database cannot store them, and a retry would not help. */
function wellFormed(s: string): string;
function wellFormed(s: string | undefined): string | undefined;
function wellFormed(s: string | undefined): string | undefined {
  return s === undefined ? undefined : (s as string & { toWellFormed(): string }).toWellFormed();
}

/** Parse a Call Control JSON body. Returns null for event types we do not act on. */
export function parseCallControl(body: unknown, region: CountryCode): { event: CallEvent | null; eventType: string } {
  const env = envelopeSchema.safeParse(body);
  if (!env.success) throw new PayloadError(issues(env.error));
  const { event_type: eventType, id, occurred_at: occurredAt, payload } = env.data.data;
  // Own properties only: `constructor` or `__proto__` are not event types.
  const type = Object.hasOwn(voiceTypes, eventType) ? voiceTypes[eventType] : undefined;
  if (!type) return { event: null, eventType };
  const p = callPayload.safeParse(payload);
  if (!p.success) throw new PayloadError(issues(p.error));
  const d = p.data;
  const direction = d.direction === 'outgoing' ? 'outbound' : d.direction === 'incoming' ? 'inbound' : undefined;
  const party = direction === 'outbound' ? d.to : d.from;
  const ours = direction === 'outbound' ? d.from : d.to;
  const event: CallEvent = {
    eventId: id,
    type,
    occurredAt: new Date(occurredAt).toISOString(),
    source: 'call_control',
    callSessionId: d.call_session_id,
    callControlId: d.call_control_id,
    callLegId: d.call_leg_id,
    direction,
    otherParty: party !== undefined && party !== null && direction ? normaliseParty(party, region).display : undefined,
    ourNumber: ours && direction ? normaliseParty(ours, region).display : undefined,
    // Text from outside is made well-formed here: a lone UTF-16 surrogate cannot be stored.
    callerName: opt(d.caller_id_name) && d.caller_id_name !== d.from ? wellFormed(opt(d.caller_id_name)) : undefined,
    startedAt: opt(d.start_time) ? new Date(d.start_time!).toISOString() : undefined,
    endedAt: type === 'call.hangup' ? new Date(d.end_time ?? occurredAt).toISOString() : undefined,
    hangupCause: opt(d.hangup_cause),
    hangupSource: opt(d.hangup_source),
  };
  if (type === 'call.recording.saved') {
    const url =
      d.recording_urls?.mp3 ?? d.recording_urls?.wav ?? d.public_recording_urls?.mp3 ?? d.public_recording_urls?.wav;
    if (!url) throw new PayloadError('payload.recording_urls: no mp3 or wav URL');
    const started = d.recording_started_at ? Date.parse(d.recording_started_at) : NaN;
    const ended = d.recording_ended_at ? Date.parse(d.recording_ended_at) : NaN;
    event.recording = {
      url,
      format: url === d.recording_urls?.wav || url === d.public_recording_urls?.wav ? 'wav' : 'mp3',
      channels: d.channels === 'dual' ? 2 : 1,
      durationSeconds: Number.isFinite(ended - started) ? Math.max(0, (ended - started) / 1000) : undefined,
      startedAt: Number.isFinite(started) ? new Date(started).toISOString() : undefined,
    };
  }
  if (type === 'call.recording.error') event.recordingError = opt(d.reason) ?? 'recording failed';
  if (d.client_state === OWNER_LEG_CLIENT_STATE) event.leg = 'owner';
  if (type === 'call.machine.detection.ended') event.machineResult = opt(d.result) ?? 'not_sure';
  return { event, eventType };
}

const texmlSchema = z
  .object({
    CallSid: z.string().min(1),
    CallSessionId: z.string().optional(),
    CallControlId: z.string().optional(),
    CallLegId: z.string().optional(),
    From: z.string().optional(),
    To: z.string().optional(),
    Direction: z.string().optional(),
    CallerId: z.string().optional(),
    CallStatus: z.string().optional(),
    SequenceNumber: z.string().optional(),
    Timestamp: z.string().optional(),
    OccurredAt: z.string().optional(),
    AnsweredTime: z.string().optional(),
    StartTime: z.string().optional(),
    EndTime: z.string().optional(),
    CallDuration: z.string().optional(),
    HangupCause: z.string().optional(),
    HangupSource: z.string().optional(),
    RecordingSid: z.string().optional(),
    RecordingUrl: z.string().optional(),
    RecordingStatus: z.string().optional(),
    RecordingDuration: z.string().optional(),
    RecordingChannels: z.string().optional(),
  })
  .passthrough();

export type TexmlFields = z.infer<typeof texmlSchema>;

/** Parse a form-encoded TeXML body. */
export function parseTexmlForm(raw: string): TexmlFields {
  const fields = Object.fromEntries(new URLSearchParams(raw));
  const r = texmlSchema.safeParse(fields);
  if (!r.success) throw new PayloadError(issues(r.error));
  return r.data;
}

const texmlHangupCause: Record<string, string> = {
  busy: 'user_busy',
  'no-answer': 'no_answer',
  canceled: 'originator_cancel',
  failed: 'unspecified_failure',
};

const dateOr = (v: string | undefined, fallback: string) =>
  v && !Number.isNaN(Date.parse(v)) ? new Date(v).toISOString() : fallback;

/** Map a TeXML status or recording callback to a CallEvent (null when there is nothing to record). */
export function texmlToCallEvent(
  f: TexmlFields,
  kind: 'fetch' | 'status' | 'recording',
  now: Date,
  region: CountryCode,
): CallEvent | null {
  const occurredAt = dateOr(f.OccurredAt ?? f.Timestamp, now.toISOString());
  const direction = f.Direction?.startsWith('outbound') ? 'outbound' : 'inbound';
  const base = {
    source: 'texml' as const,
    callSessionId: f.CallSessionId ?? f.CallSid,
    callControlId: f.CallControlId ?? f.CallSid,
    callLegId: f.CallLegId,
    direction: direction as CallEvent['direction'],
    otherParty: normaliseParty(direction === 'outbound' ? f.To : f.From, region).display,
    ourNumber: (direction === 'outbound' ? f.From : f.To)
      ? normaliseParty(direction === 'outbound' ? f.From : f.To, region).display
      : undefined,
    callerName: f.CallerId === undefined ? undefined : wellFormed(f.CallerId),
    occurredAt,
  };
  if (kind === 'recording') {
    const status = f.RecordingStatus ?? 'completed';
    const id = `texml:${f.CallSid}:recording:${f.RecordingSid ?? status}`;
    if (status === 'completed' && f.RecordingUrl) {
      const url = f.RecordingUrl;
      return {
        ...base,
        eventId: id,
        type: 'call.recording.saved',
        recording: {
          url,
          format: /\.wav(\?|$)/i.test(url) ? 'wav' : 'mp3',
          channels: f.RecordingChannels === '2' ? 2 : 1,
          durationSeconds: f.RecordingDuration ? Number(f.RecordingDuration) : undefined,
        },
      };
    }
    if (status === 'absent' || status === 'failed')
      return { ...base, eventId: id, type: 'call.recording.error', recordingError: `recording ${status}` };
    return null;
  }
  const status = kind === 'fetch' ? (f.CallStatus ?? 'ringing') : (f.CallStatus ?? '');
  const id = `texml:${f.CallSid}:${kind === 'fetch' ? 'fetch' : status}:${f.SequenceNumber ?? ''}`;
  if (status === 'initiated' || status === 'queued')
    return { ...base, eventId: id, type: 'call.initiated', startedAt: dateOr(f.StartTime, occurredAt) };
  if (status === 'ringing')
    return {
      ...base,
      eventId: id,
      type: kind === 'fetch' ? 'call.initiated' : 'call.ringing',
      startedAt: dateOr(f.StartTime, occurredAt),
    };
  if (status === 'in-progress' || status === 'answered') return { ...base, eventId: id, type: 'call.answered' };
  if (status === 'completed' || (Object.hasOwn(texmlHangupCause, status) ? texmlHangupCause[status] : undefined)) {
    const answeredAt = f.AnsweredTime ? dateOr(f.AnsweredTime, occurredAt) : undefined;
    return {
      ...base,
      eventId: id,
      type: 'call.hangup',
      startedAt: f.StartTime ? dateOr(f.StartTime, occurredAt) : undefined,
      endedAt: dateOr(f.EndTime, occurredAt),
      answeredAt:
        answeredAt ??
        (status === 'completed' && Number(f.CallDuration ?? 0) > 0 ? dateOr(f.StartTime, occurredAt) : undefined),
      hangupCause:
        f.HangupCause ??
        (Object.hasOwn(texmlHangupCause, status) ? texmlHangupCause[status] : undefined) ??
        'normal_clearing',
      hangupSource: f.HangupSource,
    };
  }
  return null;
}

const messagePayload = z
  .object({
    id: z.string().min(1),
    direction: z.enum(['inbound', 'outbound']),
    type: z.enum(['SMS', 'MMS']).default('SMS'),
    from: z.object({ phone_number: z.string() }).passthrough(),
    to: z.array(z.object({ phone_number: z.string(), status: z.string().optional() }).passthrough()).default([]),
    text: z.string().nullish(),
    media: z
      .array(
        z.object({ url: z.string(), content_type: z.string().nullish(), size: z.number().nullish() }).passthrough(),
      )
      .nullish(),
    received_at: isoDate.nullish(),
    sent_at: isoDate.nullish(),
    completed_at: isoDate.nullish(),
  })
  .passthrough();

const messageTypes = new Set(['message.received', 'message.sent', 'message.finalized']);

/** Parse a messaging webhook body. Returns null for event types we do not act on. */
export function parseMessaging(body: unknown, region: CountryCode): { event: MessageEvent | null; eventType: string } {
  const env = envelopeSchema.safeParse(body);
  if (!env.success) throw new PayloadError(issues(env.error));
  const { event_type: eventType, id, occurred_at: occurredAt, payload } = env.data.data;
  if (!messageTypes.has(eventType)) return { event: null, eventType };
  const p = messagePayload.safeParse(payload);
  if (!p.success) throw new PayloadError(issues(p.error));
  const d = p.data;
  const firstTo = d.to[0];
  const other = d.direction === 'inbound' ? d.from.phone_number : (firstTo?.phone_number ?? 'unknown');
  const ours = d.direction === 'inbound' ? firstTo?.phone_number : d.from.phone_number;
  return {
    eventType,
    event: {
      eventId: id,
      type: eventType as MessageEvent['type'],
      occurredAt: new Date(d.received_at ?? d.sent_at ?? occurredAt).toISOString(),
      messageId: d.id,
      direction: d.direction,
      messageType: d.type,
      otherParty: normaliseParty(other, region).display,
      ourNumber: ours ? normaliseParty(ours, region).display : undefined,
      text: wellFormed((d.text ?? '').slice(0, 10_000)),
      media: (d.media ?? []).map((m) => ({
        url: m.url,
        contentType: m.content_type ?? undefined,
        size: m.size ?? undefined,
      })),
      status: firstTo?.status ?? (eventType === 'message.received' ? 'received' : 'sent'),
    },
  };
}
