/** /api/contacts: CRUD, caller ID, creating from a caller, scores and merging duplicates. */
import { createRoute, z } from '@hono/zod-openapi';
import {
  claimOrphans,
  deleteContact,
  findContactByPhone,
  getContact,
  identifyCaller,
  insertContact,
  listContacts,
  mergeContacts,
  updateContact,
  type Contact,
} from '../../db/queries/contacts.js';
import { ReferenceMissing } from '../../db/queries/errors.js';
import { cursorOf, type CursorKind } from './cursor.js';
import { insightsFrom, scoreHistory, trendOf } from '../../db/queries/insights.js';
import { computeScore, recomputeScores, SCORER_VERSION } from '../../db/queries/scores.js';
import { formatPhone, normaliseParty, toE164 } from '../../platform/phone.js';
import { ApiError, notFound, ok, page } from '../errors.js';
import { requirePhone, type ApiDeps } from './deps.js';
import {
  IdParam,
  PageQuery,
  isUuid,
  jsonBody,
  pageEnvelope,
  responses,
  route,
  errors,
  conflictResponse,
  json,
  envelope,
  type ApiApp,
} from './openapi.js';
import { ContactSchema, contactView } from './views.js';

const contactCursorKind: Record<string, CursorKind> = {
  name: 'text',
  score: 'integer',
  priority: 'real',
  recent: 'timestamptz',
  created: 'timestamptz',
};

const tag = ['Contacts'];
const security = [{ bearer: [] }];

const ContactFields = {
  firstName: z.string().trim().min(1).regex(/\S/, 'must not be blank').max(100),
  lastName: z.string().trim().max(100).optional(),
  company: z.string().trim().max(200).nullable().optional(),
  email: z.email({ pattern: z.regexes.html5Email }).max(320).nullable().optional(),
  phone: z.string().trim().max(40).nullable().optional().openapi({ description: 'Any format; stored as E.164' }),
  notes: z.string().max(20_000).nullable().optional(),
  tier: z
    .enum(['inner', 'close', 'friend', 'acquaintance'])
    .nullable()
    .optional()
    .openapi({ description: 'Declared closeness; a floor under the score' }),
  cadenceDays: z
    .number()
    .int()
    .min(1)
    .max(3650)
    .nullable()
    .optional()
    .openapi({ description: 'Wished-for days between contacts; overrides the learned rhythm' }),
};
const ContactCreate = z.object(ContactFields).strict().openapi('ContactCreate');
const ContactUpdate = z
  .object({ ...ContactFields, firstName: ContactFields.firstName.optional() })
  .strict()
  .openapi('ContactUpdate');

const ScoreSchema = z
  .object({
    contactId: z.string(),
    score: z.number().int().min(0).max(100),
    strength: z.number(),
    priority: z.number().openapi({ description: 'Attention needed: overdue against the rhythm, plus open promises' }),
    factors: z.record(z.string(), z.union([z.number(), z.string(), z.null()])).openapi({
      description: 'recency, frequency, duration, sentiment, engagement (0-100 each) and the numbers behind them',
    }),
    trend: z.enum(['increasing', 'stable', 'decreasing']),
    change: z.number().nullable(),
    insights: z.array(z.object({ kind: z.string(), severity: z.string(), message: z.string() })),
    history: z.array(z.object({ score: z.number(), computedAt: z.string() })),
    scorerVersion: z.string(),
  })
  .openapi('RelationshipScore');

const CallerSchema = ContactSchema.pick({
  id: true,
  firstName: true,
  lastName: true,
  name: true,
  company: true,
  lastContactedAt: true,
  relationshipScore: true,
}).openapi('CallerContact');

const LookupSchema = z
  .object({
    isKnown: z.boolean(),
    contact: CallerSchema.nullable().openapi({
      description: 'The CallerInfo contact fields; GET /api/contacts/{id} has the rest',
    }),
    phoneNumber: z.string().openapi({ description: 'E.164 when the input is a number, else as given' }),
    formattedNumber: z.string(),
    kind: z.string(),
  })
  .openapi('CallerLookup');

function rowValues(body: Partial<z.infer<typeof ContactCreate>>, deps: ApiDeps) {
  const { phone, ...rest } = body;
  return {
    ...rest,
    ...(phone !== undefined
      ? { phoneE164: phone === null || phone === '' ? null : requirePhone(phone, deps.region) }
      : {}),
  };
}

/** The score of one contact, recomputed now, with its trend, insights and history. */
export async function scoreReport(deps: ApiDeps, id: string) {
  const row = await computeScore(deps.db, id);
  if (!row) return null;
  const history = await scoreHistory(deps.db, id);
  const { trend, change } = trendOf(history);
  return {
    contactId: id,
    score: row.score,
    strength: Math.round(row.strength * 1000) / 1000,
    priority: Math.round(row.priority * 1000) / 1000,
    factors: row.factors,
    trend,
    change,
    insights: insightsFrom(row.factors),
    history: history.map((h) => ({ score: h.score, computedAt: h.computedAt.toISOString() })),
    scorerVersion: SCORER_VERSION,
  };
}

export function contactRoutes(app: ApiApp, deps: ApiDeps) {
  const { db } = deps;
  const view = (c: Contact) => contactView(c, deps.region);
  const load = async (id: string) => {
    const c = isUuid(id) ? await getContact(db, id) : null;
    if (!c) throw notFound('Contact');
    return c;
  };

  route(
    app,
    createRoute({
      method: 'get',
      path: '/api/contacts',
      tags: tag,
      security,
      summary: 'List and search contacts',
      request: {
        query: z.object({
          q: z
            .string()
            .trim()
            .max(200)
            .optional()
            .openapi({ description: 'Name, company, email or phone in any format' }),
          sort: z.enum(['name', 'score', 'priority', 'recent', 'created']).default('name'),
          ...PageQuery,
        }),
      },
      responses: {
        200: {
          content: { 'application/json': { schema: pageEnvelope(ContactSchema) } },
          description: 'A page of contacts',
        },
        ...errors,
      },
    }),
    async (c, { query }) => {
      const res = await listContacts(db, {
        ...query,
        cursor: cursorOf(query.cursor, contactCursorKind[query.sort]),
        q: query.q || undefined,
        qE164: query.q ? toE164(query.q, deps.region) : null,
      });
      return page(c, res.items.map(view), query.limit, res.nextCursor);
    },
  );

  route(
    app,
    createRoute({
      method: 'post',
      path: '/api/contacts',
      tags: tag,
      security,
      summary: 'Create a contact',
      request: jsonBody(ContactCreate),
      responses: { ...responses(ContactSchema, 'Created', 201), ...conflictResponse },
    }),
    async (c, { body }) => {
      const values = rowValues(body, deps);
      const row = await insertContact(db, { ...values, firstName: body.firstName, lastName: body.lastName ?? '' });
      if (row.phoneE164) await claimOrphans(db, row.id, row.phoneE164);
      return ok(c, view((await getContact(db, row.id))!), 'Contact created', 201);
    },
  );

  route(
    app,
    createRoute({
      method: 'get',
      path: '/api/contacts/lookup/{phone}',
      tags: tag,
      security,
      summary: 'Caller ID: any format in, the contact or the formatted unknown number out',
      request: {
        params: z.object({
          phone: z
            .string()
            .min(1)
            .max(100)
            .openapi({ param: { name: 'phone', in: 'path' }, example: '(212) 555-0100' }),
        }),
      },
      responses: responses(LookupSchema, 'Known contact or formatted unknown number'),
    }),
    async (c, { params }) => {
      const party = normaliseParty(params.phone, deps.region);
      const match = party.e164 ? await identifyCaller(db, party.e164) : null;
      const contact = match
        ? {
            ...match,
            name: `${match.firstName} ${match.lastName}`.trim(),
            lastContactedAt: match.lastContactedAt?.toISOString() ?? null,
          }
        : null;
      return ok(c, {
        isKnown: contact !== null,
        contact,
        phoneNumber: party.display,
        formattedNumber: party.e164 ? formatPhone(party.e164, deps.region) : party.display,
        kind: party.kind,
      });
    },
  );

  route(
    app,
    createRoute({
      method: 'post',
      path: '/api/contacts/from-caller',
      tags: tag,
      security,
      summary: 'Create a contact from a caller (or return the one that has the number)',
      request: jsonBody(
        z
          .object({
            phoneNumber: z.string().trim().min(1).regex(/\S/, 'must not be blank').max(40),
            name: z.string().trim().max(200).optional(),
            company: z.string().trim().max(200).optional(),
          })
          .strict()
          .openapi('FromCaller'),
      ),
      responses: {
        ...responses(ContactSchema, 'Created', 201),
        200: json(envelope(ContactSchema), 'A contact already has this number'),
      },
    }),
    async (c, { body }) => {
      const e164 = requirePhone(body.phoneNumber, deps.region, 'phoneNumber');
      const existing = await findContactByPhone(db, e164);
      if (existing) return ok(c, view(existing), 'A contact already has this number');
      const [first = 'Unknown', ...rest] = (body.name ?? '').split(/\s+/).filter(Boolean);
      const row = await insertContact(db, {
        firstName: first,
        lastName: rest.join(' '),
        company: body.company ?? null,
        phoneE164: e164,
      });
      const claimed = await claimOrphans(db, row.id, e164);
      if (claimed.calls + claimed.messages > 0) await recomputeScores(db, row.id);
      return ok(
        c,
        view((await getContact(db, row.id))!),
        `Contact created from caller; ${claimed.calls} calls, ${claimed.messages} messages and ${claimed.tasks} tasks attached`,
        201,
      );
    },
  );

  route(
    app,
    createRoute({
      method: 'post',
      path: '/api/contacts/update-all-scores',
      tags: tag,
      security,
      summary: 'Recompute every relationship score in one set-based pass',
      responses: responses(
        z.object({ updated: z.number().int(), durationMs: z.number(), scorerVersion: z.string() }),
        'Scores recomputed',
      ),
    }),
    async (c) => {
      const started = performance.now();
      const { written } = await recomputeScores(db, null, new Date(), { slices: deps.parallelism });
      return ok(
        c,
        { updated: written, durationMs: Math.round(performance.now() - started), scorerVersion: SCORER_VERSION },
        `Updated ${written} contact scores`,
      );
    },
  );

  route(
    app,
    createRoute({
      method: 'get',
      path: '/api/contacts/{id}',
      tags: tag,
      security,
      summary: 'Get a contact',
      request: { params: IdParam },
      responses: responses(ContactSchema, 'The contact', 200, true),
    }),
    async (c, { params }) => ok(c, view(await load(params.id))),
  );

  for (const method of ['patch', 'put'] as const) {
    route(
      app,
      createRoute({
        method,
        path: '/api/contacts/{id}',
        tags: tag,
        security,
        summary: method === 'patch' ? 'Update a contact (fields given)' : 'Update a contact (alias of PATCH)',
        request: { params: IdParam, ...jsonBody(ContactUpdate) },
        responses: { ...responses(ContactSchema, 'Updated', 200, true), ...conflictResponse },
      }),
      async (c, { params, body }) => {
        await load(params.id);
        const values = rowValues(body, deps);
        await updateContact(db, params.id, values);
        if (values.phoneE164) await claimOrphans(db, params.id, values.phoneE164);
        return ok(c, view(await load(params.id)), 'Contact updated');
      },
    );
  }

  route(
    app,
    createRoute({
      method: 'delete',
      path: '/api/contacts/{id}',
      tags: tag,
      security,
      summary:
        'Delete a contact (its calls and messages stay, unlinked and without the name; POST …/forget erases everything)',
      request: { params: IdParam },
      responses: responses(z.object({ id: z.string() }), 'Deleted', 200, true),
    }),
    async (c, { params }) => {
      await load(params.id);
      await deleteContact(db, params.id);
      return ok(c, { id: params.id }, 'Contact deleted');
    },
  );

  route(
    app,
    createRoute({
      method: 'get',
      path: '/api/contacts/{id}/relationship-score',
      tags: tag,
      security,
      summary: "This contact's relationship score as of now, explained (computed, not stored)",
      request: { params: IdParam },
      responses: responses(ScoreSchema, 'Score, factors, trend and insights', 200, true),
    }),
    async (c, { params }) => {
      await load(params.id);
      return ok(c, (await scoreReport(deps, params.id))!);
    },
  );

  route(
    app,
    createRoute({
      method: 'post',
      path: '/api/contacts/{id}/merge',
      tags: tag,
      security,
      summary: 'Merge a duplicate into this contact, moving its calls, messages and tasks',
      request: {
        params: IdParam,
        ...jsonBody(
          z
            .object({ sourceId: z.uuid().openapi({ description: 'The duplicate; deleted after the merge' }) })
            .strict()
            .openapi('MergeRequest'),
        ),
      },
      responses: {
        ...responses(
          z.object({ contact: ContactSchema, mergedId: z.string(), moved: z.record(z.string(), z.number()) }),
          'Merged',
          200,
          true,
        ),
        ...conflictResponse,
      },
    }),
    async (c, { params, body }) => {
      await load(params.id);
      if (body.sourceId === params.id)
        throw new ApiError(400, 'validation_failed', 'A contact cannot be merged into itself', {
          sourceId: 'same as the target',
        });
      const merged = await mergeContacts(db, params.id, body.sourceId);
      if (!merged) throw new ReferenceMissing('sourceId', 'no such contact');
      await recomputeScores(db, params.id);
      return ok(
        c,
        { contact: view((await getContact(db, params.id))!), mergedId: merged.mergedId, moved: merged.moved },
        'Contacts merged',
      );
    },
  );
}
