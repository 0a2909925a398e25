/** How rows look on the wire, with the zod schemas that document them. */
import { z } from '@hono/zod-openapi';
import type { CountryCode } from 'libphonenumber-js';
import { formatPhone } from '../../platform/phone.js';
import type { PhoneRecordRow } from '../../db/queries/phone-records.js';
import type { CalendarEventRow } from '../../db/queries/calendar.js';
import type { Contact } from '../../db/queries/contacts.js';
import type { MessageRow } from '../../db/queries/messages.js';
import type { TaskRow } from '../../db/queries/tasks.js';
import type { VoiceSessionRow } from '../../db/queries/voice.js';

const ts = z.string().openapi({ format: 'date-time' });

/** "First Last" of a joined contact, or null when the row has no contact. */
export const fullName = (first: string | null, last: string | null) =>
  first === null ? null : `${first} ${last ?? ''}`.trim();
const iso = (d: Date | null | undefined) => (d ? d.toISOString() : null);

export const ContactSchema = z
  .object({
    id: z.string(),
    firstName: z.string(),
    lastName: z.string(),
    name: z.string(),
    company: z.string().nullable(),
    email: z.string().nullable(),
    phone: z.string().nullable().openapi({ description: 'E.164', example: '+12125550100' }),
    phoneFormatted: z.string().nullable(),
    notes: z.string().nullable(),
    tier: z.string().nullable(),
    cadenceDays: z.number().int().nullable(),
    relationshipScore: z.number().int().nullable(),
    scoreUpdatedAt: ts.nullable(),
    lastContactedAt: ts.nullable(),
    createdAt: ts,
    updatedAt: ts,
  })
  .openapi('Contact');

export function contactView(c: Contact, region: CountryCode): z.infer<typeof ContactSchema> {
  return {
    id: c.id,
    firstName: c.firstName,
    lastName: c.lastName,
    name: `${c.firstName} ${c.lastName}`.trim(),
    company: c.company,
    email: c.email,
    phone: c.phoneE164,
    phoneFormatted: c.phoneE164 ? formatPhone(c.phoneE164, region) : null,
    notes: c.notes,
    tier: c.tier,
    cadenceDays: c.cadenceDays,
    relationshipScore: c.relationshipScore,
    scoreUpdatedAt: iso(c.scoreUpdatedAt),
    lastContactedAt: iso(c.lastContactedAt),
    createdAt: c.createdAt.toISOString(),
    updatedAt: c.updatedAt.toISOString(),
  };
}

export const PhoneRecordSummarySchema = z
  .object({
    id: z.string(),
    callSessionId: z.string(),
    contactId: z.string().nullable(),
    contactName: z.string().nullable(),
    phoneNumber: z.string(),
    phoneFormatted: z.string(),
    direction: z.string(),
    status: z.string(),
    duration: z
      .number()
      .int()
      .nullable()
      .openapi({ description: "Seconds (the original API's name; same as durationSeconds)" }),
    durationSeconds: z.number().int().nullable(),
    startedAt: ts.nullable(),
    endedAt: ts.nullable(),
    hasRecording: z.boolean(),
    hasTranscript: z.boolean(),
    summary: z.string().nullable(),
    sentiment: z.string().nullable(),
    sentimentScore: z.number().nullable(),
    stageStatus: z.record(z.string(), z.object({ status: z.string(), at: z.string(), error: z.string().optional() })),
    createdAt: ts,
  })
  .openapi('PhoneRecordSummary');

export const PhoneRecordSchema = PhoneRecordSummarySchema.extend({
  ourNumber: z.string().nullable(),
  callerName: z.string().nullable(),
  source: z.string(),
  answeredAt: ts.nullable(),
  hangupCause: z.string().nullable(),
  recording: z
    .object({
      contentType: z.string().nullable(),
      bytes: z.number().nullable(),
      durationSeconds: z.number().nullable(),
      channels: z.number().nullable(),
    })
    .nullable(),
  transcript: z.string().nullable(),
  speakerSegments: z
    .array(
      z.object({
        speaker: z.string().openapi({
          description: '`caller` (left channel: the other party), `owner` (right channel), or `speaker_0` for mono',
        }),
        text: z.string(),
        startMs: z.number().optional(),
        endMs: z.number().optional(),
        words: z
          .array(
            z.object({ text: z.string(), startMs: z.number(), endMs: z.number(), confidence: z.number().optional() }),
          )
          .optional(),
      }),
    )
    .nullable(),
  actionItems: z
    .array(
      z.object({
        title: z.string(),
        owner: z.string().nullable().optional(),
        dueDate: z.string().nullable().optional(),
      }),
    )
    .nullable(),
  topics: z.array(z.string()).nullable(),
  sentimentDetail: z.unknown().nullable(),
  provenance: z.object({
    transcript: z.string().nullable(),
    summary: z.string().nullable(),
    sentiment: z.string().nullable(),
  }),
  tasks: z.array(z.object({ id: z.string(), title: z.string(), status: z.string(), dueDate: ts.nullable() })),
  conversation: z
    .object({
      connectedAt: ts.nullable(),
      endedAt: ts.nullable(),
      turns: z.array(
        z.object({
          speaker: z.enum(['caller', 'receptionist']),
          text: z.string(),
          atMs: z.number().openapi({ description: "ms from the stream's start" }),
          endMs: z.number().optional(),
          interrupted: z
            .boolean()
            .optional()
            .openapi({ description: 'the caller spoke over it; only what was heard is kept' }),
          latencyMs: z
            .number()
            .optional()
            .openapi({ description: "from the caller's last speech to this reply's first audio" }),
        }),
      ),
      outcome: z
        .object({
          result: z.enum([
            'message_taken',
            'callback_booked',
            'transfer_requested',
            'transferred',
            'caller_hung_up',
            'time_limit',
            'dropped',
          ]),
          message: z
            .object({
              name: z.string().optional(),
              about: z.string().optional(),
              urgency: z.string(),
              callbackAt: z.string().optional(),
              callbackSpoken: z.string().optional(),
            })
            .optional(),
          taskId: z.string().optional(),
        })
        .nullable(),
    })
    .nullable()
    .openapi({ description: "The live receptionist's conversation with the caller, when it answered" }),
}).openapi('PhoneRecord');

const model = (provider: string | null, m: string | null) => (provider ? `${provider}${m ? `/${m}` : ''}` : null);

export function phoneRecordSummaryView(
  r: PhoneRecordRow,
  contactName: string | null,
  region: CountryCode,
): z.infer<typeof PhoneRecordSummarySchema> {
  return {
    id: r.id,
    callSessionId: r.callSessionId,
    contactId: r.contactId,
    contactName,
    phoneNumber: r.phoneNumber,
    phoneFormatted: formatPhone(r.phoneNumber, region),
    direction: r.direction,
    status: r.status,
    duration: r.durationSeconds,
    durationSeconds: r.durationSeconds,
    startedAt: iso(r.startedAt),
    endedAt: iso(r.endedAt),
    hasRecording: r.recordingLocation !== null,
    hasTranscript: r.transcript !== null,
    summary: r.summary,
    sentiment: r.sentiment,
    sentimentScore: r.sentimentScore,
    stageStatus: r.stageStatus,
    createdAt: r.createdAt.toISOString(),
  };
}

export function phoneRecordView(
  r: PhoneRecordRow,
  contactName: string | null,
  linked: TaskRow[],
  region: CountryCode,
  conversation: VoiceSessionRow | null,
): z.infer<typeof PhoneRecordSchema> {
  return {
    ...phoneRecordSummaryView(r, contactName, region),
    ourNumber: r.ourNumber,
    callerName: r.callerName,
    source: r.source,
    answeredAt: iso(r.answeredAt),
    hangupCause: r.hangupCause,
    recording: r.recordingLocation
      ? {
          contentType: r.recordingContentType,
          bytes: r.recordingBytes,
          durationSeconds: r.recordingDurationSeconds,
          channels: r.recordingChannels,
        }
      : null,
    transcript: r.transcript,
    speakerSegments: (r.speakerSegments as z.infer<typeof PhoneRecordSchema>['speakerSegments']) ?? null,
    actionItems: (r.actionItems as z.infer<typeof PhoneRecordSchema>['actionItems']) ?? null,
    topics: (r.topics as string[] | null) ?? null,
    sentimentDetail: r.sentimentDetail ?? null,
    provenance: {
      transcript: model(r.transcriptProvider, r.transcriptModel),
      summary: model(r.summaryProvider, r.summaryModel),
      sentiment: model(r.sentimentProvider, r.sentimentModel),
    },
    tasks: linked.map((t) => ({ id: t.id, title: t.title, status: t.status, dueDate: iso(t.dueDate) })),
    conversation: conversation?.connectedAt
      ? {
          connectedAt: iso(conversation.connectedAt),
          endedAt: iso(conversation.endedAt),
          turns: conversation.turns,
          outcome: conversation.outcome ?? null,
        }
      : null,
  };
}

export const MessageSchema = z
  .object({
    id: z.string(),
    telnyxMessageId: z.string(),
    contactId: z.string().nullable(),
    contactName: z.string().nullable(),
    direction: z.string(),
    type: z.string(),
    phoneNumber: z.string(),
    ourNumber: z.string().nullable(),
    text: z.string(),
    media: z.unknown().nullable(),
    status: z.string(),
    occurredAt: ts,
    sentiment: z.string().nullable(),
    sentimentScore: z.number().nullable(),
    createdAt: ts,
  })
  .openapi('Message');

export function messageView(m: MessageRow, contactName: string | null): z.infer<typeof MessageSchema> {
  return {
    id: m.id,
    telnyxMessageId: m.telnyxMessageId,
    contactId: m.contactId,
    contactName,
    direction: m.direction,
    type: m.type,
    phoneNumber: m.phoneNumber,
    ourNumber: m.ourNumber,
    text: m.text,
    media: m.media ?? null,
    status: m.status,
    occurredAt: m.occurredAt.toISOString(),
    sentiment: m.sentiment,
    sentimentScore: m.sentimentScore,
    createdAt: m.createdAt.toISOString(),
  };
}

export const TaskSchema = z
  .object({
    id: z.string(),
    title: z.string(),
    description: z.string().nullable(),
    status: z.enum(['open', 'in_progress', 'done', 'cancelled']),
    priority: z.enum(['low', 'medium', 'high', 'urgent']),
    dueDate: ts.nullable(),
    owner: z.string().nullable(),
    contactId: z.string().nullable(),
    phoneRecordId: z.string().nullable().openapi({ description: 'The call whose action item made this task' }),
    source: z.string(),
    completedAt: ts.nullable(),
    createdAt: ts,
    updatedAt: ts,
  })
  .openapi('Task');

export function taskView(t: TaskRow): z.infer<typeof TaskSchema> {
  return {
    id: t.id,
    title: t.title,
    description: t.description,
    status: t.status as z.infer<typeof TaskSchema>['status'],
    priority: t.priority as z.infer<typeof TaskSchema>['priority'],
    dueDate: iso(t.dueDate),
    owner: t.owner,
    contactId: t.contactId,
    phoneRecordId: t.phoneRecordId,
    source: t.source,
    completedAt: iso(t.completedAt),
    createdAt: t.createdAt.toISOString(),
    updatedAt: t.updatedAt.toISOString(),
  };
}

export const CalendarEventSchema = z
  .object({
    id: z.string(),
    title: z.string(),
    description: z.string().nullable(),
    location: z.string().nullable(),
    startTime: ts,
    endTime: ts.nullable(),
    contactId: z.string().nullable(),
    createdAt: ts,
    updatedAt: ts,
  })
  .openapi('CalendarEvent');

export function calendarEventView(e: CalendarEventRow): z.infer<typeof CalendarEventSchema> {
  return {
    id: e.id,
    title: e.title,
    description: e.description,
    location: e.location,
    startTime: e.startTime.toISOString(),
    endTime: iso(e.endTime),
    contactId: e.contactId,
    createdAt: e.createdAt.toISOString(),
    updatedAt: e.updatedAt.toISOString(),
  };
}
