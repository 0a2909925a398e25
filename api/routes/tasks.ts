/** /api/tasks and /api/calendar: CRUD. Tasks made from a call's action items link back to it. */
import { createRoute, z } from '@hono/zod-openapi';
import { and, eq, sql } from 'drizzle-orm';
import type { Database } from '../../db/client.js';
import { paginate } from '../../db/queries/cursor.js';
import { calendarEvents, contacts, phoneRecords, tasks } from '../../db/schema/index.js';
import { ApiError, missingReference, notFound, ok, page } from '../errors.js';
import { cursorOf } from './cursor.js';
import type { ApiDeps } from './deps.js';
import { IdParam, PageQuery, conflictResponse, errors, isUuid, isoDate, isoDateTime, jsonBody, pageEnvelope, responses, route, type ApiApp } from './openapi.js';
import { CalendarEventSchema, TaskSchema, calendarEventView, taskView } from './views.js';

const security = [{ bearer: [] }];
const dateTime = isoDateTime();

const TaskFields = {
  title: z.string().trim().min(1).regex(/\S/, 'must not be blank').max(500),
  description: z.string().max(20_000).nullable().optional(),
  status: z.enum(['open', 'in_progress', 'done', 'cancelled']).optional(),
  priority: z.enum(['low', 'medium', 'high', 'urgent']).optional(),
  dueDate: dateTime.nullable().optional(),
  owner: z.string().max(200).nullable().optional(),
  contactId: z.uuid().nullable().optional(),
  phoneRecordId: z.uuid().nullable().optional(),
};
const TaskCreate = z.object(TaskFields).strict().openapi('TaskCreate');
const TaskUpdate = z.object(TaskFields).partial().strict().openapi('TaskUpdate');

const EventFields = {
  title: z.string().trim().min(1).regex(/\S/, 'must not be blank').max(500),
  description: z.string().max(20_000).nullable().optional(),
  location: z.string().max(500).nullable().optional(),
  startTime: dateTime,
  endTime: dateTime.nullable().optional(),
  contactId: z.uuid().nullable().optional(),
};
const EventCreate = z.object(EventFields).strict().refine((e) => !e.endTime || Date.parse(e.endTime) >= Date.parse(e.startTime), { path: ['endTime'], message: 'must not be before startTime' }).openapi('CalendarEventCreate');
const EventUpdate = z.object(EventFields).partial().strict().openapi('CalendarEventUpdate');

/** Referenced rows must exist: a 409 naming the field, never a foreign-key 500. */
async function checkRefs(db: Database, refs: { contactId?: string | null; phoneRecordId?: string | null }) {
  if (refs.contactId) {
    const [row] = await db.select({ id: contacts.id }).from(contacts).where(eq(contacts.id, refs.contactId));
    if (!row) throw missingReference('contactId', 'no such contact');
  }
  if (refs.phoneRecordId) {
    const [row] = await db.select({ id: phoneRecords.id }).from(phoneRecords).where(eq(phoneRecords.id, refs.phoneRecordId));
    if (!row) throw missingReference('phoneRecordId', 'no such phone record');
  }
}

const toDate = (v: string | null | undefined) => (v === undefined ? undefined : v === null ? null : new Date(v));

export function taskRoutes(app: ApiApp, deps: ApiDeps) {
  const { db } = deps;
  const tag = ['Tasks'];
  const load = async (id: string) => {
    const [t] = isUuid(id) ? await db.select().from(tasks).where(eq(tasks.id, id)) : [];
    if (!t) throw notFound('Task');
    return t;
  };
  const dueKey = sql`coalesce(${tasks.dueDate}, 'infinity'::timestamptz)`;

  route(app, createRoute({
    method: 'get', path: '/api/tasks', tags: tag, security, summary: 'Tasks, soonest due first (undated last)',
    request: { query: z.object({ status: z.enum(['open', 'in_progress', 'done', 'cancelled']).optional(), contactId: z.uuid().optional(), phoneRecordId: z.uuid().optional(), dueBefore: isoDate(), ...PageQuery }) },
    responses: { 200: { content: { 'application/json': { schema: pageEnvelope(TaskSchema) } }, description: 'A page of tasks' }, ...errors },
  }), async (c, { query }) => {
    const cursor = cursorOf(query.cursor, 'timestamptz');
    const where = [
      query.status ? eq(tasks.status, query.status) : undefined,
      query.contactId ? eq(tasks.contactId, query.contactId) : undefined,
      query.phoneRecordId ? eq(tasks.phoneRecordId, query.phoneRecordId) : undefined,
      query.dueBefore ? sql`${tasks.dueDate} < ${query.dueBefore}::timestamptz` : undefined,
      cursor ? sql`(${dueKey}, ${tasks.id}) > (${cursor.value}::timestamptz, ${cursor.id}::uuid)` : undefined,
    ].filter((w) => w !== undefined);
    const rows = await db.select().from(tasks).where(where.length ? and(...where) : undefined).orderBy(dueKey, tasks.id).limit(query.limit + 1);
    const { items, nextCursor } = paginate(rows, query.limit, (t) => [t.dueDate ? t.dueDate.toISOString() : 'infinity', t.id]);
    return page(c, items.map(taskView), query.limit, nextCursor);
  });

  route(app, createRoute({
    method: 'post', path: '/api/tasks', tags: tag, security, summary: 'Create a task',
    request: jsonBody(TaskCreate), responses: { ...responses(TaskSchema, 'Created', 201), ...conflictResponse },
  }), async (c, { body }) => {
    await checkRefs(db, body);
    const [row] = await db.insert(tasks).values({ ...body, dueDate: toDate(body.dueDate), completedAt: body.status === 'done' ? new Date() : null }).returning();
    return ok(c, taskView(row!), 'Task created', 201);
  });

  route(app, createRoute({
    method: 'get', path: '/api/tasks/{id}', tags: tag, security, summary: 'Get a task',
    request: { params: IdParam }, responses: responses(TaskSchema, 'The task', 200, true),
  }), async (c, { params }) => ok(c, taskView(await load(params.id))));

  for (const method of ['patch', 'put'] as const) {
    route(app, createRoute({
      method, path: '/api/tasks/{id}', tags: tag, security, summary: method === 'patch' ? 'Update a task' : 'Update a task (alias of PATCH)',
      request: { params: IdParam, ...jsonBody(TaskUpdate) }, responses: { ...responses(TaskSchema, 'Updated', 200, true), ...conflictResponse },
    }), async (c, { params, body }) => {
      const before = await load(params.id);
      await checkRefs(db, body);
      const completedAt = body.status === undefined ? undefined : body.status === 'done' ? (before.completedAt ?? new Date()) : null;
      const [row] = await db.update(tasks).set({ ...body, dueDate: toDate(body.dueDate), ...(completedAt !== undefined ? { completedAt } : {}), updatedAt: sql`now()` }).where(eq(tasks.id, params.id)).returning();
      return ok(c, taskView(row!), 'Task updated');
    });
  }

  route(app, createRoute({
    method: 'delete', path: '/api/tasks/{id}', tags: tag, security, summary: 'Delete a task',
    request: { params: IdParam }, responses: responses(z.object({ id: z.string() }), 'Deleted', 200, true),
  }), async (c, { params }) => {
    await load(params.id);
    await db.delete(tasks).where(eq(tasks.id, params.id));
    return ok(c, { id: params.id }, 'Task deleted');
  });
}

export function calendarRoutes(app: ApiApp, deps: ApiDeps) {
  const { db } = deps;
  const tag = ['Calendar'];
  const load = async (id: string) => {
    const [e] = isUuid(id) ? await db.select().from(calendarEvents).where(eq(calendarEvents.id, id)) : [];
    if (!e) throw notFound('Calendar event');
    return e;
  };

  route(app, createRoute({
    method: 'get', path: '/api/calendar', tags: tag, security, summary: 'Calendar events in time order',
    request: { query: z.object({ from: isoDate(), to: isoDate(), contactId: z.uuid().optional(), ...PageQuery }) },
    responses: { 200: { content: { 'application/json': { schema: pageEnvelope(CalendarEventSchema) } }, description: 'A page of events' }, ...errors },
  }), async (c, { query }) => {
    const cursor = cursorOf(query.cursor, 'timestamptz');
    const where = [
      query.from ? sql`${calendarEvents.startTime} >= ${query.from}::timestamptz` : undefined,
      query.to ? sql`${calendarEvents.startTime} < ${query.to}::timestamptz` : undefined,
      query.contactId ? eq(calendarEvents.contactId, query.contactId) : undefined,
      cursor ? sql`(${calendarEvents.startTime}, ${calendarEvents.id}) > (${cursor.value}::timestamptz, ${cursor.id}::uuid)` : undefined,
    ].filter((w) => w !== undefined);
    const rows = await db.select().from(calendarEvents).where(where.length ? and(...where) : undefined).orderBy(calendarEvents.startTime, calendarEvents.id).limit(query.limit + 1);
    const { items, nextCursor } = paginate(rows, query.limit, (e) => [e.startTime.toISOString(), e.id]);
    return page(c, items.map(calendarEventView), query.limit, nextCursor);
  });

  route(app, createRoute({
    method: 'post', path: '/api/calendar', tags: tag, security, summary: 'Create a calendar event',
    request: jsonBody(EventCreate), responses: { ...responses(CalendarEventSchema, 'Created', 201), ...conflictResponse },
  }), async (c, { body }) => {
    await checkRefs(db, body);
    const [row] = await db.insert(calendarEvents).values({ ...body, startTime: new Date(body.startTime), endTime: toDate(body.endTime) }).returning();
    return ok(c, calendarEventView(row!), 'Event created', 201);
  });

  route(app, createRoute({
    method: 'get', path: '/api/calendar/{id}', tags: tag, security, summary: 'Get a calendar event',
    request: { params: IdParam }, responses: responses(CalendarEventSchema, 'The event', 200, true),
  }), async (c, { params }) => ok(c, calendarEventView(await load(params.id))));

  for (const method of ['patch', 'put'] as const) {
    route(app, createRoute({
      method, path: '/api/calendar/{id}', tags: tag, security, summary: method === 'patch' ? 'Update a calendar event' : 'Update a calendar event (alias of PATCH)',
      request: { params: IdParam, ...jsonBody(EventUpdate) }, responses: { ...responses(CalendarEventSchema, 'Updated', 200, true), ...conflictResponse },
    }), async (c, { params, body }) => {
      const before = await load(params.id);
      await checkRefs(db, body);
      const start = body.startTime ? new Date(body.startTime) : before.startTime;
      const end = body.endTime === undefined ? before.endTime : toDate(body.endTime);
      if (end && end < start) throw new ApiError(400, 'validation_failed', 'endTime is before startTime', { endTime: 'must not be before startTime' });
      const [row] = await db.update(calendarEvents).set({ ...body, startTime: start, endTime: end, updatedAt: sql`now()` }).where(eq(calendarEvents.id, params.id)).returning();
      return ok(c, calendarEventView(row!), 'Event updated');
    });
  }

  route(app, createRoute({
    method: 'delete', path: '/api/calendar/{id}', tags: tag, security, summary: 'Delete a calendar event',
    request: { params: IdParam }, responses: responses(z.object({ id: z.string() }), 'Deleted', 200, true),
  }), async (c, { params }) => {
    await load(params.id);
    await db.delete(calendarEvents).where(eq(calendarEvents.id, params.id));
    return ok(c, { id: params.id }, 'Event deleted');
  });
}
