/** /api/notifications: the owner's inbox (what the rules decided about calls and texts), read and unread. */
import { createRoute, z } from '@hono/zod-openapi';
import {
  countUnread,
  listNotifications,
  setNotificationRead,
  type NotificationRow,
} from '../../db/queries/notifications.js';
import { notFound, ok } from '../errors.js';
import type { ApiDeps } from './deps.js';
import { cursorOf } from './cursor.js';
import {
  IdParam,
  PageQuery,
  errors,
  isUuid,
  jsonBody,
  Pagination,
  envelope,
  responses,
  route,
  type ApiApp,
} from './openapi.js';

const tag = ['Notifications'];
const security = [{ bearer: [] }];

export const NotificationSchema = z
  .object({
    id: z.uuid(),
    rule: z.string().openapi({ example: 'missed_known_contact' }),
    title: z.string(),
    body: z.string(),
    contactId: z.uuid().nullable(),
    callId: z.uuid().nullable(),
    messageId: z.uuid().nullable(),
    status: z.enum(['pending', 'sent', 'failed', 'retracted']).or(z.string()),
    /** Why a retracted notification was withdrawn. */
    retractedReason: z.string().nullable(),
    read: z.boolean(),
    readAt: z.iso.datetime().nullable(),
    createdAt: z.iso.datetime(),
  })
  .openapi('Notification');

export function notificationView(n: NotificationRow): z.infer<typeof NotificationSchema> {
  return {
    id: n.id,
    rule: n.rule,
    title: n.title,
    body: n.body,
    contactId: n.contactId,
    callId: n.phoneRecordId,
    messageId: n.messageId,
    status: n.status,
    retractedReason: n.status === 'retracted' ? n.error : null,
    read: n.readAt !== null,
    readAt: n.readAt?.toISOString() ?? null,
    createdAt: n.createdAt.toISOString(),
  };
}

const boolParam = z.enum(['true', 'false']).transform((v) => v === 'true');

export function notificationRoutes(app: ApiApp, deps: ApiDeps) {
  const { db } = deps;

  route(
    app,
    createRoute({
      method: 'get',
      path: '/api/notifications',
      tags: tag,
      security,
      summary: 'The notification inbox, newest first',
      request: {
        query: z.object({
          unread: boolParam
            .optional()
            .openapi({ type: 'string', enum: ['true', 'false'], description: 'true: only unread; false: only read' }),
          contactId: z.uuid().optional(),
          callId: z.uuid().optional(),
          rule: z
            .string()
            .max(100)
            .regex(/^[a-z_]+$/)
            .optional(),
          ...PageQuery,
        }),
      },
      responses: {
        200: {
          content: {
            'application/json': {
              schema: envelope(z.array(NotificationSchema)).extend({
                pagination: Pagination,
                unreadCount: z.number().int(),
              }),
            },
          },
          description: "A page of notifications and the inbox's unread count",
        },
        ...errors,
      },
    }),
    async (c, { query }) => {
      const res = await listNotifications(db, { ...query, cursor: cursorOf(query.cursor, 'timestamptz') });
      const unreadCount = await countUnread(db);
      return c.json({
        data: res.items.map(notificationView),
        success: true,
        timestamp: new Date().toISOString(),
        pagination: { limit: query.limit, nextCursor: res.nextCursor, hasMore: res.nextCursor !== null },
        unreadCount,
      });
    },
  );

  route(
    app,
    createRoute({
      method: 'patch',
      path: '/api/notifications/{id}',
      tags: tag,
      security,
      summary: 'Mark a notification read or unread',
      request: { params: IdParam, ...jsonBody(z.object({ read: z.boolean() }).strict()) },
      responses: responses(NotificationSchema, 'The notification', 200, true),
    }),
    async (c, { params, body }) => {
      const row = isUuid(params.id) ? await setNotificationRead(db, params.id, body.read) : null;
      if (!row) throw notFound('Notification');
      return ok(c, notificationView(row));
    },
  );
}
