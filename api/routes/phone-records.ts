/** /api/phone-records: the call log, one call in full, corrections, reconciliation and reprocessing. */
import { createRoute, z } from '@hono/zod-openapi';
import { paginate } from '../../db/queries/cursor.js';
import { cursorOf } from './cursor.js';
import { CALL_STATUSES, STAGES } from '../../contract/stages.js';
import {
  correctPhoneRecord,
  getPhoneRecord,
  getPhoneRecordDetail,
  listPhoneRecords,
} from '../../db/queries/phone-records.js';
import { ApiError, notFound, ok, page } from '../errors.js';
import type { ApiDeps } from './deps.js';
import {
  ErrorEnvelope,
  IdParam,
  PageQuery,
  conflictResponse,
  errors,
  isUuid,
  isoDate,
  json,
  jsonBody,
  pageEnvelope,
  responses,
  route,
  type ApiApp,
} from './openapi.js';
import {
  PhoneRecordSchema,
  PhoneRecordSummarySchema,
  fullName,
  phoneRecordSummaryView,
  phoneRecordView,
} from './views.js';

const tag = ['Phone records'];
const security = [{ bearer: [] }];
const boolParam = z.enum(['true', 'false']).transform((v) => v === 'true');

const CallFilter = {
  contactId: z.uuid().optional(),
  direction: z.enum(['inbound', 'outbound']).optional(),
  status: z.enum(CALL_STATUSES).optional(),
  from: isoDate().openapi({ description: 'Calls at or after (ISO date or date-time)' }),
  to: isoDate().openapi({ description: 'Calls before (ISO date or date-time)' }),
  failedStage: z.enum(STAGES).optional().openapi({ description: 'Calls whose given stage failed' }),
};

export function phoneRecordRoutes(app: ApiApp, deps: ApiDeps) {
  const { db } = deps;
  const load = async (id: string) => {
    const r = isUuid(id) ? await getPhoneRecord(db, id) : null;
    if (!r) throw notFound('Phone record');
    return r;
  };
  const full = async (id: string) => {
    const d = isUuid(id) ? await getPhoneRecordDetail(db, id) : null;
    if (!d) throw notFound('Phone record');
    return phoneRecordView(
      d.record,
      d.contact ? fullName(d.contact.firstName, d.contact.lastName) : null,
      d.tasks,
      deps.region,
      d.conversation,
    );
  };

  route(
    app,
    createRoute({
      method: 'get',
      path: '/api/phone-records',
      tags: tag,
      security,
      summary: 'The call log, newest first',
      request: { query: z.object({ ...CallFilter, hasTranscript: boolParam.optional(), ...PageQuery }) },
      responses: {
        200: {
          content: { 'application/json': { schema: pageEnvelope(PhoneRecordSummarySchema) } },
          description: 'A page of calls',
        },
        ...errors,
      },
    }),
    async (c, { query }) => {
      const rows = await listPhoneRecords(db, { ...query, cursor: cursorOf(query.cursor, 'timestamptz') });
      const { items, nextCursor } = paginate(rows, query.limit, (r) => [
        (r.record.startedAt ?? r.record.createdAt).toISOString(),
        r.record.id,
      ]);
      return page(
        c,
        items.map((r) => phoneRecordSummaryView(r.record, fullName(r.firstName, r.lastName), deps.region)),
        query.limit,
        nextCursor,
      );
    },
  );

  route(
    app,
    createRoute({
      method: 'get',
      path: '/api/phone-records/{id}',
      tags: tag,
      security,
      summary: 'One call: transcript with speaker segments, summary, sentiment, action items, stage status',
      request: { params: IdParam },
      responses: responses(PhoneRecordSchema, 'The call', 200, true),
    }),
    async (c, { params }) => ok(c, await full(params.id)),
  );

  route(
    app,
    createRoute({
      method: 'get',
      path: '/api/phone-records/{id}/recording',
      tags: tag,
      security,
      summary: 'The stored recording (from the data folder or the bucket), with HTTP Range support for players',
      request: { params: IdParam },
      responses: {
        200: {
          content: { 'audio/*': { schema: z.string().openapi({ format: 'binary' }) } },
          description: 'The whole recording',
        },
        206: {
          content: { 'audio/*': { schema: z.string().openapi({ format: 'binary' }) } },
          description: 'The requested byte range',
        },
        ...errors,
        404: json(ErrorEnvelope, 'No such call, or it has no stored recording'),
        416: json(ErrorEnvelope, 'The range is outside the recording'),
      },
    }),
    async (c, { params }) => {
      const r = await load(params.id);
      if (!r.recordingLocation || !deps.recordings)
        throw new ApiError(404, 'not_found', 'This call has no stored recording');
      // The record stage stored its size; older rows without it are measured once by reading them.
      const size = r.recordingBytes ?? (await deps.recordings.get(r.recordingLocation)).length;
      const headers: Record<string, string> = {
        'content-type': r.recordingContentType ?? 'audio/mpeg',
        'accept-ranges': 'bytes',
        // Personal audio: never kept by shared caches.
        'cache-control': 'private, no-store',
      };
      const range = byteRange(c.req.header('range'), size);
      if (range === 'unsatisfiable') {
        c.header('content-range', `bytes */${size}`);
        throw new ApiError(416, 'range_not_satisfiable', `The recording has ${size} bytes`);
      }
      // Streamed from the store: a player's seek reads only what it asks for, and nothing is held whole.
      const { start, end } = range ?? { start: 0, end: size - 1 };
      const body = await deps.recordings.stream(r.recordingLocation, { start, end });
      const length = String(end - start + 1);
      if (!range) return c.body(body, 200, { ...headers, 'content-length': length });
      return c.body(body, 206, {
        ...headers,
        'content-length': length,
        'content-range': `bytes ${start}-${end}/${size}`,
      });
    },
  );

  route(
    app,
    createRoute({
      method: 'patch',
      path: '/api/phone-records/{id}',
      tags: tag,
      security,
      summary: 'Correct a call: its contact, summary, sentiment or topics',
      request: {
        params: IdParam,
        ...jsonBody(
          z
            .object({
              contactId: z.uuid().nullable().optional(),
              summary: z.string().max(20_000).nullable().optional(),
              sentiment: z.enum(['positive', 'neutral', 'negative']).nullable().optional(),
              topics: z.array(z.string().max(100)).max(50).nullable().optional(),
            })
            .strict()
            .openapi('PhoneRecordUpdate'),
        ),
      },
      responses: { ...responses(PhoneRecordSchema, 'Updated', 200, true), ...conflictResponse },
    }),
    async (c, { params, body }) => {
      await correctPhoneRecord(db, await load(params.id), body);
      return ok(c, await full(params.id), 'Phone record updated');
    },
  );

  route(
    app,
    createRoute({
      method: 'post',
      path: '/api/phone-records/{id}/reprocess',
      tags: tag,
      security,
      summary: "Run the pipeline again on the stored recording, with today's providers and models",
      request: { params: IdParam },
      responses: responses(z.object({ workflowId: z.string(), phoneRecordId: z.string() }), 'Started', 202, true),
    }),
    async (c, { params }) => {
      const r = await load(params.id);
      const workflowId = await deps.gateway.startReprocess({
        callSessionId: r.callSessionId,
        phoneRecordId: r.id,
        requestId: c.get('requestId'),
      });
      return ok(c, { workflowId, phoneRecordId: r.id }, 'Reprocessing started', 202);
    },
  );

  route(
    app,
    createRoute({
      method: 'post',
      path: '/api/phone-records/reprocess',
      tags: tag,
      security,
      summary: 'Reprocess every call matching a filter (at most `limit`); an empty filter needs `all: true`',
      request: jsonBody(
        z
          .object({
            ...CallFilter,
            hasTranscript: z.boolean().optional(),
            all: z.boolean().optional().openapi({ description: 'Required (true) to reprocess without any filter' }),
            limit: z.number().int().min(1).max(500).default(100),
          })
          .strict()
          .openapi('ReprocessFilter'),
      ),
      responses: responses(
        z.object({ started: z.array(z.object({ workflowId: z.string(), phoneRecordId: z.string() })) }),
        'Started',
        202,
      ),
    }),
    async (c, { body }) => {
      const { all, limit: _limit, ...filter } = body;
      if (!all && Object.values(filter).every((v) => v === undefined)) {
        throw new ApiError(
          400,
          'validation_failed',
          'Reprocessing is a bulk action: give a filter (e.g. failedStage) or all: true',
          { all: 'required when no filter is given' },
        );
      }
      const rows = await listPhoneRecords(db, body);
      const started = [];
      for (const { record } of rows.slice(0, body.limit)) {
        const workflowId = await deps.gateway.startReprocess({
          callSessionId: record.callSessionId,
          phoneRecordId: record.id,
          requestId: `${c.get('requestId')}-${record.id.slice(0, 8)}`,
        });
        started.push({ workflowId, phoneRecordId: record.id });
      }
      return ok(c, { started }, `Reprocessing ${started.length} calls`, 202);
    },
  );

  route(
    app,
    createRoute({
      method: 'post',
      path: '/api/phone-records/sync',
      tags: tag,
      security,
      summary: 'Reconcile with Telnyx detail records: create missing calls and start their pipelines',
      request: {
        body: {
          content: {
            'application/json': {
              schema: z
                .object({ since: isoDate(), limit: z.number().int().min(1).max(1000).default(200) })
                .strict()
                .openapi('SyncRequest'),
            },
          },
          required: false,
        },
      },
      responses: {
        ...responses(
          z.object({
            workflowId: z.string(),
            checked: z.number(),
            created: z.number(),
            alreadyKnown: z.number(),
            callSessionIds: z.array(z.string()),
          }),
          'Reconciled',
        ),
        202: {
          content: {
            'application/json': {
              schema: z.object({
                data: z.object({ workflowId: z.string() }),
                success: z.literal(true),
                message: z.string(),
                timestamp: z.string(),
              }),
            },
          },
          description: 'Still running; follow the workflow in the Temporal UI',
        },
      },
    }),
    async (c, { body }) => {
      const since = body?.since ?? new Date(Date.now() - 86_400_000).toISOString();
      const { workflowId, result } = await deps.gateway.syncCallHistory({
        sinceIso: new Date(since).toISOString(),
        limit: body?.limit ?? 200,
        requestId: c.get('requestId'),
        waitMs: 20_000,
      });
      if (!result) return ok(c, { workflowId }, 'Sync is still running', 202);
      return ok(c, { workflowId, ...result }, `Call history synced: ${result.created} created`);
    },
  );
}

/**
 * One `bytes=` range of a body of `size` bytes (RFC 9110): undefined for none (or several, which
 * are answered whole), 'unsatisfiable' when it lies outside the body.
 */
export function byteRange(
  header: string | undefined,
  size: number,
): { start: number; end: number } | 'unsatisfiable' | undefined {
  const m = /^bytes=(\d*)-(\d*)$/.exec(header?.trim() ?? '');
  if (!m || (m[1] === '' && m[2] === '')) return undefined;
  if (m[1] === '') {
    const suffix = Number(m[2]);
    if (suffix === 0 || size === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(m[1]);
  const end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  if (start >= size || end < start) return 'unsatisfiable';
  return { start, end };
}
