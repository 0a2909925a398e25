/** /api/messages: SMS and MMS, list and get. */
import { createRoute, z } from '@hono/zod-openapi';
import { and, eq, sql } from 'drizzle-orm';
import { contacts, messages } from '../../db/schema/index.js';
import { paginate } from '../../db/queries/cursor.js';
import { notFound, ok, page } from '../errors.js';
import type { ApiDeps } from './deps.js';
import { IdParam, PageQuery, errors, isUuid, isoDate, pageEnvelope, responses, route, type ApiApp } from './openapi.js';
import { cursorOf } from './cursor.js';
import { MessageSchema, fullName, messageView } from './views.js';

const tag = ['Messages'];
const security = [{ bearer: [] }];

export function messageRoutes(app: ApiApp, deps: ApiDeps) {
  const { db } = deps;
  const select = () =>
    db.select({ m: messages, firstName: contacts.firstName, lastName: contacts.lastName }).from(messages).leftJoin(contacts, eq(messages.contactId, contacts.id));

  route(app, createRoute({
    method: 'get', path: '/api/messages', tags: tag, security, summary: 'Messages, newest first',
    request: {
      query: z.object({
        contactId: z.uuid().optional(),
        direction: z.enum(['inbound', 'outbound']).optional(),
        from: isoDate(),
        to: isoDate(),
        ...PageQuery,
      }),
    },
    responses: { 200: { content: { 'application/json': { schema: pageEnvelope(MessageSchema) } }, description: 'A page of messages' }, ...errors },
  }), async (c, { query }) => {
    const cursor = cursorOf(query.cursor, 'timestamptz');
    const where = [
      query.contactId ? eq(messages.contactId, query.contactId) : undefined,
      query.direction ? eq(messages.direction, query.direction) : undefined,
      query.from ? sql`${messages.occurredAt} >= ${query.from}::timestamptz` : undefined,
      query.to ? sql`${messages.occurredAt} < ${query.to}::timestamptz` : undefined,
      cursor ? sql`(${messages.occurredAt}, ${messages.id}) < (${cursor.value}::timestamptz, ${cursor.id}::uuid)` : undefined,
    ].filter((w) => w !== undefined);
    const rows = await select()
      .where(where.length ? and(...where) : undefined)
      .orderBy(sql`${messages.occurredAt} desc`, sql`${messages.id} desc`)
      .limit(query.limit + 1);
    const { items, nextCursor } = paginate(rows, query.limit, (r) => [r.m.occurredAt.toISOString(), r.m.id]);
    return page(c, items.map((r) => messageView(r.m, fullName(r.firstName, r.lastName))), query.limit, nextCursor);
  });

  route(app, createRoute({
    method: 'get', path: '/api/messages/{id}', tags: tag, security, summary: 'One message',
    request: { params: IdParam }, responses: responses(MessageSchema, 'The message', 200, true),
  }), async (c, { params }) => {
    const [row] = isUuid(params.id) ? await select().where(eq(messages.id, params.id)) : [];
    if (!row) throw notFound('Message');
    return ok(c, messageView(row.m, fullName(row.firstName, row.lastName)));
  });
}
