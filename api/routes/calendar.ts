/** /api/calendar: CRUD of calendar events. */
import { createRoute, z } from '@hono/zod-openapi';
import {
  createCalendarEvent,
  deleteCalendarEvent,
  getCalendarEvent,
  listCalendarEvents,
  updateCalendarEvent,
} from '../../db/queries/calendar.js';
import { ApiError, notFound, ok, page } from '../errors.js';
import { cursorOf } from './cursor.js';
import type { ApiDeps } from './deps.js';
import {
  IdParam,
  PageQuery,
  conflictResponse,
  errors,
  isUuid,
  isoDate,
  isoDateTime,
  jsonBody,
  pageEnvelope,
  responses,
  route,
  type ApiApp,
} from './openapi.js';
import { CalendarEventSchema, calendarEventView } from './views.js';

const security = [{ bearer: [] }];
const tag = ['Calendar'];

const EventFields = {
  title: z.string().trim().min(1).regex(/\S/, 'must not be blank').max(500),
  description: z.string().max(20_000).nullable().optional(),
  location: z.string().max(500).nullable().optional(),
  startTime: isoDateTime(),
  endTime: isoDateTime().nullable().optional(),
  contactId: z.uuid().nullable().optional(),
};
const EventCreate = z
  .object(EventFields)
  .strict()
  .refine((e) => !e.endTime || Date.parse(e.endTime) >= Date.parse(e.startTime), {
    path: ['endTime'],
    message: 'must not be before startTime',
  })
  .openapi('CalendarEventCreate');
const EventUpdate = z.object(EventFields).partial().strict().openapi('CalendarEventUpdate');

const toDate = (v: string | null | undefined) => (v === undefined ? undefined : v === null ? null : new Date(v));

export function calendarRoutes(app: ApiApp, deps: ApiDeps) {
  const { db } = deps;
  const load = async (id: string) => {
    const e = isUuid(id) ? await getCalendarEvent(db, id) : null;
    if (!e) throw notFound('Calendar event');
    return e;
  };

  route(
    app,
    createRoute({
      method: 'get',
      path: '/api/calendar',
      tags: tag,
      security,
      summary: 'Calendar events in time order',
      request: { query: z.object({ from: isoDate(), to: isoDate(), contactId: z.uuid().optional(), ...PageQuery }) },
      responses: {
        200: {
          content: { 'application/json': { schema: pageEnvelope(CalendarEventSchema) } },
          description: 'A page of events',
        },
        ...errors,
      },
    }),
    async (c, { query }) => {
      const { items, nextCursor } = await listCalendarEvents(db, {
        ...query,
        cursor: cursorOf(query.cursor, 'timestamptz'),
      });
      return page(c, items.map(calendarEventView), query.limit, nextCursor);
    },
  );

  route(
    app,
    createRoute({
      method: 'post',
      path: '/api/calendar',
      tags: tag,
      security,
      summary: 'Create a calendar event',
      request: jsonBody(EventCreate),
      responses: { ...responses(CalendarEventSchema, 'Created', 201), ...conflictResponse },
    }),
    async (c, { body }) => {
      const row = await createCalendarEvent(db, {
        ...body,
        startTime: new Date(body.startTime),
        endTime: toDate(body.endTime),
      });
      return ok(c, calendarEventView(row), 'Event created', 201);
    },
  );

  route(
    app,
    createRoute({
      method: 'get',
      path: '/api/calendar/{id}',
      tags: tag,
      security,
      summary: 'Get a calendar event',
      request: { params: IdParam },
      responses: responses(CalendarEventSchema, 'The event', 200, true),
    }),
    async (c, { params }) => ok(c, calendarEventView(await load(params.id))),
  );

  for (const method of ['patch', 'put'] as const) {
    route(
      app,
      createRoute({
        method,
        path: '/api/calendar/{id}',
        tags: tag,
        security,
        summary: method === 'patch' ? 'Update a calendar event' : 'Update a calendar event (alias of PATCH)',
        request: { params: IdParam, ...jsonBody(EventUpdate) },
        responses: { ...responses(CalendarEventSchema, 'Updated', 200, true), ...conflictResponse },
      }),
      async (c, { params, body }) => {
        const before = await load(params.id);
        const startTime = body.startTime ? new Date(body.startTime) : before.startTime;
        const endTime = body.endTime === undefined ? before.endTime : toDate(body.endTime)!;
        if (endTime && endTime < startTime)
          throw new ApiError(400, 'validation_failed', 'endTime is before startTime', {
            endTime: 'must not be before startTime',
          });
        const row = await updateCalendarEvent(db, before.id, { ...body, startTime, endTime });
        return ok(c, calendarEventView(row), 'Event updated');
      },
    );
  }

  route(
    app,
    createRoute({
      method: 'delete',
      path: '/api/calendar/{id}',
      tags: tag,
      security,
      summary: 'Delete a calendar event',
      request: { params: IdParam },
      responses: responses(z.object({ id: z.string() }), 'Deleted', 200, true),
    }),
    async (c, { params }) => {
      await deleteCalendarEvent(db, (await load(params.id)).id);
      return ok(c, { id: params.id }, 'Event deleted');
    },
  );
}
