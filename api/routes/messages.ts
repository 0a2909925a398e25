/** /api/messages: SMS and MMS, list and get. */
import { createRoute, z } from '@hono/zod-openapi';
import { getMessageWithContact, listMessages } from '../../db/queries/messages.js';
import { notFound, ok, page } from '../errors.js';
import type { ApiDeps } from './deps.js';
import { IdParam, PageQuery, errors, isUuid, isoDate, pageEnvelope, responses, route, type ApiApp } from './openapi.js';
import { cursorOf } from './cursor.js';
import { MessageSchema, fullName, messageView } from './views.js';

const tag = ['Messages'];
const security = [{ bearer: [] }];

export function messageRoutes(app: ApiApp, deps: ApiDeps) {
  const { db } = deps;

  route(
    app,
    createRoute({
      method: 'get',
      path: '/api/messages',
      tags: tag,
      security,
      summary: 'Messages, newest first',
      request: {
        query: z.object({
          contactId: z.uuid().optional(),
          direction: z.enum(['inbound', 'outbound']).optional(),
          from: isoDate(),
          to: isoDate(),
          ...PageQuery,
        }),
      },
      responses: {
        200: {
          content: { 'application/json': { schema: pageEnvelope(MessageSchema) } },
          description: 'A page of messages',
        },
        ...errors,
      },
    }),
    async (c, { query }) => {
      const { items, nextCursor } = await listMessages(db, { ...query, cursor: cursorOf(query.cursor, 'timestamptz') });
      return page(
        c,
        items.map((r) => messageView(r.m, fullName(r.firstName, r.lastName))),
        query.limit,
        nextCursor,
      );
    },
  );

  route(
    app,
    createRoute({
      method: 'get',
      path: '/api/messages/{id}',
      tags: tag,
      security,
      summary: 'One message',
      request: { params: IdParam },
      responses: responses(MessageSchema, 'The message', 200, true),
    }),
    async (c, { params }) => {
      const row = isUuid(params.id) ? await getMessageWithContact(db, params.id) : null;
      if (!row) throw notFound('Message');
      return ok(c, messageView(row.m, fullName(row.firstName, row.lastName)));
    },
  );
}
