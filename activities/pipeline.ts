/** The call pipeline's stages. Each writes its results keyed by (call, stage), so a retry repeats nothing. */
import { Context } from '@temporalio/activity';
import type { Database } from '../db/client.js';
import {
  beginStage,
  finishStage,
  getPhoneRecord,
  setStageStatus,
  storeCallPassages,
  storeSummary,
} from '../db/queries/phone-records.js';
import { recomputeScores } from '../db/queries/scores.js';
import { getContact, namesToExpect } from '../db/queries/contacts.js';
import { voiceSessionOfCall } from '../db/queries/voice.js';
import { correctNames, dropLeakedNames, keytermsOf, type ExpectedName } from './providers/speech/names.js';
import { callProvider, ProviderError, asActivityFailure } from './providers/errors.js';
import type { Providers } from './providers/index.js';
import type { SpeechSegment } from './providers/speech/port.js';
import { notifyForCall, type NotifyDeps } from './notify.js';
import { downloadRecording } from './recording-download.js';

export interface PipelineDeps extends NotifyDeps {
  db: Database;
  providers: Providers;
  maxRecordingBytes?: number;
  /** Hosts recordings may be copied from (RECORDING_HOSTS). */
  recordingHosts?: readonly string[];
  /** S3 buckets recordings may come from (RECORDING_BUCKETS; empty: any on an allowed S3 host). */
  recordingBuckets?: readonly string[];
  /** The owner: their name is expected in calls, due dates are in their time zone. */
  owner?: { name: string; timeZone: string };
}

/** Recent contacts whose names a transcript's misheard names are repaired to (with evidence only). */
export const RECENT_NAMES = 10;

/** The transcript provider of a call whose transcript is its live conversation (no recording). */
export const CONVERSATION_PROVIDER = 'receptionist';

/** The owner's name as an expected name ("Marco Rossi" -> first Marco, last Rossi). */
export function ownerAsName(name: string | undefined): ExpectedName[] {
  const parts = (name ?? '').trim().split(/\s+/).filter(Boolean);
  // A person's name, not the default "the command center".
  return parts.length && /^\p{Lu}/u.test(parts[0]!) ? [{ first: parts[0]!, last: parts.slice(1).join(' ') }] : [];
}

/** Telnyx hands out pre-signed S3 links (and its own API's download links). */
export const DEFAULT_RECORDING_HOSTS = ['amazonaws.com', 'telnyx.com'];

/**
 * Heartbeats prove a long stage is alive, so a dead worker is noticed within the profile's
 * heartbeat timeout (20-30 s) instead of its much longer start-to-close timeout. Each heartbeat is
 * a write on the Temporal server, and most stages finish in well under a second: a stage
 * heartbeats only once it has been waiting on work for HEARTBEAT_AFTER_MS.
 */
export const HEARTBEAT_AFTER_MS = 2_000;
const workingSince = new WeakMap<Context, number>();

function activityContext(): Context | undefined {
  try {
    return Context.current();
  } catch {
    return undefined; // Outside an activity (unit tests) there is nothing to heartbeat.
  }
}

const heartbeat = () => {
  const context = activityContext();
  if (!context) return;
  const since = workingSince.get(context);
  if (since === undefined) workingSince.set(context, Date.now());
  else if (Date.now() - since >= HEARTBEAT_AFTER_MS) context.heartbeat();
};

/** A vendor call that heartbeats while it waits (see HEARTBEAT_AFTER_MS); every stage's vendor calls go through it. */
export async function vendorCall<T>(provider: string, fn: () => Promise<T>): Promise<T> {
  const context = activityContext();
  if (context && !workingSince.has(context)) workingSince.set(context, Date.now());
  const timer = setInterval(heartbeat, HEARTBEAT_AFTER_MS);
  try {
    return await callProvider(provider, fn);
  } finally {
    clearInterval(timer);
  }
}

const missing = (id: string) => asActivityFailure(new ProviderError(`phone record ${id} not found`, false, 'db'));

async function requireRecord(db: Database, id: string) {
  const r = await getPhoneRecord(db, id);
  if (!r) throw missing(id);
  return r;
}

/** Mark the stage running and read the record it works on. */
async function startStage(db: Database, id: string, stage: string) {
  const r = await beginStage(db, id, stage);
  if (!r) throw missing(id);
  return r;
}

const turnsOf = (segments: SpeechSegment[] | null | undefined, text: string | null) =>
  segments && segments.length > 0
    ? segments.map((s) => ({ speaker: s.speaker, text: s.text }))
    : [{ speaker: 'speaker_0', text: text ?? '' }];

/** Split long text into overlapping chunks of about `size` words for embedding. */
export function chunkWords(text: string, size = 120, overlap = 20): string[] {
  const words = text.split(/\s+/).filter(Boolean);
  if (words.length <= size) return words.length ? [words.join(' ')] : [];
  const out: string[] = [];
  for (let i = 0; i < words.length; i += size - overlap) {
    out.push(words.slice(i, i + size).join(' '));
    if (i + size >= words.length) break;
  }
  return out;
}

export function createPipelineActivities(deps: PipelineDeps) {
  const { db, providers } = deps;
  const maxBytes = deps.maxRecordingBytes ?? 200 * 1024 * 1024;
  return {
    /** Copy the recording out of Telnyx's 10-minute URL into our store, checking size and type. */
    async recordStage({
      phoneRecordId,
      recording,
    }: {
      phoneRecordId: string;
      recording: { url: string; format: string; channels: number; durationSeconds?: number };
    }) {
      await setStageStatus(db, phoneRecordId, ['record'], 'running');
      const { bytes, contentType: type } = await vendorCall('recording-download', () =>
        downloadRecording(recording.url, {
          allowedHosts: deps.recordingHosts ?? DEFAULT_RECORDING_HOSTS,
          allowedBuckets: deps.recordingBuckets,
          maxBytes,
        }),
      );
      const okType =
        /^audio\/(mpeg|mp3|wav|x-wav|wave|vnd\.wave)$/.test(type) ||
        (type === 'application/octet-stream' && /^(mp3|wav)$/.test(recording.format));
      if (!okType)
        throw asActivityFailure(
          new ProviderError(`recording has unexpected content type ${type || 'none'}`, false, 'recording-download'),
        );
      if (bytes.length === 0)
        throw asActivityFailure(new ProviderError('the recording is empty', false, 'recording-download'));
      heartbeat();
      const contentType = /wav/.test(type) || recording.format === 'wav' ? 'audio/wav' : 'audio/mpeg';
      const location = await providers.blobs.put(
        `${phoneRecordId}.${contentType === 'audio/wav' ? 'wav' : 'mp3'}`,
        bytes,
        contentType,
      );
      await finishStage(db, phoneRecordId, 'record', {
        recordingLocation: location,
        recordingContentType: contentType,
        recordingBytes: bytes.length,
        recordingChannels: recording.channels,
        recordingDurationSeconds: recording.durationSeconds ?? null,
      });
      return { bytes: bytes.length };
    },

    async transcribeStage({ phoneRecordId }: { phoneRecordId: string }) {
      const r = await startStage(db, phoneRecordId, 'transcribe');
      if (!r.recordingLocation)
        throw asActivityFailure(new ProviderError('no stored recording to transcribe', false, 'pipeline'));
      const audio = await providers.blobs.get(r.recordingLocation);
      // The caller's contact first, the owner, then recent contacts: hint words, then repair.
      const [caller, ...recent] = await namesToExpect(db, r.contactId, RECENT_NAMES);
      const known = r.contactId && caller ? [caller] : [];
      // Hint words bend the decoder, for better and for worse: only the names this call should
      // hold (the caller's contact, the owner). Recent contacts only feed the repair, which needs evidence.
      const hints = [...known, ...ownerAsName(deps.owner?.name)];
      const names = [...hints, ...recent, ...(known.length ? [] : caller ? [caller] : [])];
      const t = await vendorCall(providers.speech.name, () =>
        providers.speech.transcribe({
          audio,
          contentType: r.recordingContentType ?? 'audio/mpeg',
          channels: r.recordingChannels ?? 1,
          onProgress: heartbeat,
          keyterms: keytermsOf(hints),
        }),
      );
      const segments = t.segments.flatMap((seg) => {
        const text = correctNames(dropLeakedNames(seg.text, names), names);
        if (!text.trim()) return [];
        // What was cut is the segment's end: its words are the first ones.
        const words = seg.words?.slice(0, text.split(/\s+/).filter(Boolean).length);
        return [{ ...seg, text, ...(words ? { words } : {}) }];
      });
      await finishStage(db, phoneRecordId, 'transcribe', {
        transcript: segments.length > 0 ? segments.map((seg) => seg.text).join(' ') : correctNames(t.text, names),
        speakerSegments: segments,
        transcriptProvider: providers.speech.name,
        transcriptModel: t.model,
        recordingDurationSeconds: r.recordingDurationSeconds ?? t.durationSeconds ?? null,
      });
      return { chars: t.text.length, segments: t.segments.length };
    },

    /**
     * A call without a recording whose caller talked to the receptionist: the conversation (both
     * sides, timed from the stream's start) becomes the transcript. `turns` 0: nothing was said.
     */
    async conversationStage({ phoneRecordId }: { phoneRecordId: string }) {
      const r = await requireRecord(db, phoneRecordId);
      const session = await voiceSessionOfCall(db, r.callSessionId);
      const turns = (session?.turns ?? []).filter((t) => t.text.trim());
      if (!turns.some((t) => t.speaker === 'caller')) return { turns: 0 };
      await beginStage(db, phoneRecordId, 'transcribe');
      const segments = turns.map((t) => ({
        speaker: t.speaker,
        startMs: t.atMs,
        endMs: t.endMs ?? t.atMs,
        text: t.text,
      }));
      await finishStage(db, phoneRecordId, 'transcribe', {
        transcript: segments.map((s) => s.text).join(' '),
        speakerSegments: segments,
        transcriptProvider: CONVERSATION_PROVIDER,
        transcriptModel: 'live receptionist conversation',
      });
      return { turns: turns.length };
    },

    /** Summary, topics and action items; action items become tasks keyed by (call, item index). */
    async summarizeStage({ phoneRecordId }: { phoneRecordId: string }) {
      const r = await startStage(db, phoneRecordId, 'summarize');
      const caller = r.contactId ? await getContact(db, r.contactId) : null;
      // The receptionist speaks for the owner; the message it took is already the owner's task.
      const conversation = r.transcriptProvider === CONVERSATION_PROVIDER;
      const turns = turnsOf(r.speakerSegments as SpeechSegment[] | null, r.transcript).map((t) =>
        t.speaker === 'receptionist' ? { ...t, speaker: 'owner' } : t,
      );
      const s = await vendorCall(providers.language.name, () =>
        providers.language.summarize({
          transcript: r.transcript ?? '',
          turns,
          occurredAt: (r.startedAt ?? r.createdAt).toISOString(),
          callerName: caller ? `${caller.firstName} ${caller.lastName}`.trim() : undefined,
          timeZone: deps.owner?.timeZone,
        }),
      );
      const results = {
        summary: s.summary,
        actionItems: conversation ? [] : s.actionItems,
        topics: s.topics,
        summaryProvider: providers.language.name,
        summaryModel: s.model,
      };
      const newTasks = (conversation ? [] : s.actionItems).map((item, i) => ({
        title: item.title.slice(0, 300),
        description:
          item.owner === 'them'
            ? `Waiting on: promised in the call on ${(r.startedAt ?? r.createdAt).toISOString().slice(0, 10)}`
            : `From the call on ${(r.startedAt ?? r.createdAt).toISOString().slice(0, 10)}`,
        owner: item.owner ?? null,
        dueDate: item.dueDate && !Number.isNaN(Date.parse(item.dueDate)) ? new Date(item.dueDate) : null,
        contactId: r.contactId,
        phoneRecordId,
        source: 'action_item',
        sourceKey: `call:${phoneRecordId}:action:${i}`,
      }));
      await storeSummary(db, phoneRecordId, results, newTasks);
      return { actionItems: newTasks.length };
    },

    async sentimentStage({ phoneRecordId }: { phoneRecordId: string }) {
      const r = await startStage(db, phoneRecordId, 'sentiment');
      const out = await vendorCall(providers.language.name, () =>
        providers.language.sentiment({ turns: turnsOf(r.speakerSegments as SpeechSegment[] | null, r.transcript) }),
      );
      await finishStage(db, phoneRecordId, 'sentiment', {
        sentiment: out.label,
        sentimentScore: out.score,
        sentimentDetail: out.perSpeaker,
        sentimentProvider: providers.language.name,
        sentimentModel: out.model,
      });
      return { label: out.label, score: out.score };
    },

    /** Summary and transcript chunks into pgvector, replacing this model's earlier vectors of the call. */
    async embedStage({ phoneRecordId }: { phoneRecordId: string }) {
      const r = await startStage(db, phoneRecordId, 'embed');
      const segments = (r.speakerSegments as SpeechSegment[] | null) ?? [];
      const passages: { kind: string; content: string; startMs: number | null }[] = [];
      if (r.summary) passages.push({ kind: 'summary', content: r.summary, startMs: null });
      for (const chunk of chunkWords(r.transcript ?? '')) {
        const firstWords = chunk.split(' ').slice(0, 4).join(' ');
        const seg = segments.find((s) => s.text.includes(firstWords));
        passages.push({ kind: 'transcript', content: chunk, startMs: seg?.startMs ?? null });
      }
      const vectors = await vendorCall(providers.embeddings.name, () =>
        providers.embeddings.embed(passages.map((p) => p.content)),
      );
      heartbeat();
      const model = providers.embeddings.model;
      const byKind = new Map<string, number>();
      const rows = passages.map((p, i) => {
        const idx = byKind.get(p.kind) ?? 0;
        byKind.set(p.kind, idx + 1);
        return {
          sourceType: 'call',
          sourceId: phoneRecordId,
          contactId: r.contactId,
          kind: p.kind,
          chunkIndex: idx,
          content: p.content,
          startMs: p.startMs,
          model,
          embedding: vectors[i]!,
          occurredAt: r.startedAt ?? r.createdAt,
        };
      });
      await storeCallPassages(db, phoneRecordId, model, rows);
      return { passages: passages.length };
    },

    /** The same query the bulk recompute uses, for one contact; the call's rescore stage records the score. */
    async rescoreContact({ contactId, phoneRecordId }: { contactId: string; phoneRecordId?: string }) {
      const {
        rows: [row],
      } = await recomputeScores(db, contactId);
      const score = row?.score ?? null;
      if (phoneRecordId) await setStageStatus(db, phoneRecordId, ['rescore'], 'done', undefined, { score, contactId });
      return { score };
    },

    // Runs started before this release still send `reprocess`; the ledger's dedupe keys already make
    // a reprocessing run say nothing twice, so it changes nothing here.
    async notifyStage({ phoneRecordId }: { phoneRecordId: string; reprocess?: boolean }) {
      const r = await requireRecord(db, phoneRecordId);
      const sent = await notifyForCall(deps, r);
      await setStageStatus(db, phoneRecordId, ['notify'], 'done');
      return { notifications: sent };
    },
  };
}
