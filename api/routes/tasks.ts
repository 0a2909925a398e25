/** /api/tasks: CRUD. Tasks made from a call's action items link back to it. */
import { createRoute, z } from '@hono/zod-openapi';
import { createTask, deleteTask, getTask, listTasks, updateTask } from '../../db/queries/tasks.js';
import { notFound, ok, page } from '../errors.js';
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
import { TaskSchema, taskView } from './views.js';

const security = [{ bearer: [] }];
const tag = ['Tasks'];

const TaskFields = {
  title: z.string().trim().min(1).regex(/\S/, 'must not be blank').max(500),
  description: z.string().max(20_000).nullable().optional(),
  status: z.enum(['open', 'in_progress', 'done', 'cancelled']).optional(),
  priority: z.enum(['low', 'medium', 'high', 'urgent']).optional(),
  dueDate: isoDateTime().nullable().optional(),
  owner: z.string().max(200).nullable().optional(),
  contactId: z.uuid().nullable().optional(),
  phoneRecordId: z.uuid().nullable().optional(),
};
const TaskCreate = z.object(TaskFields).strict().openapi('TaskCreate');
const TaskUpdate = z.object(TaskFields).partial().strict().openapi('TaskUpdate');

export function taskRoutes(app: ApiApp, deps: ApiDeps) {
  const { db } = deps;
  const load = async (id: string) => {
    const t = isUuid(id) ? await getTask(db, id) : null;
    if (!t) throw notFound('Task');
    return t;
  };

  route(
    app,
    createRoute({
      method: 'get',
      path: '/api/tasks',
      tags: tag,
      security,
      summary: 'Tasks, soonest due first (undated last)',
      request: {
        query: z.object({
          status: z.enum(['open', 'in_progress', 'done', 'cancelled']).optional(),
          contactId: z.uuid().optional(),
          phoneRecordId: z.uuid().optional(),
          dueBefore: isoDate(),
          ...PageQuery,
        }),
      },
      responses: {
        200: { content: { 'application/json': { schema: pageEnvelope(TaskSchema) } }, description: 'A page of tasks' },
        ...errors,
      },
    }),
    async (c, { query }) => {
      const { items, nextCursor } = await listTasks(db, { ...query, cursor: cursorOf(query.cursor, 'timestamptz') });
      return page(c, items.map(taskView), query.limit, nextCursor);
    },
  );

  route(
    app,
    createRoute({
      method: 'post',
      path: '/api/tasks',
      tags: tag,
      security,
      summary: 'Create a task',
      request: jsonBody(TaskCreate),
      responses: { ...responses(TaskSchema, 'Created', 201), ...conflictResponse },
    }),
    async (c, { body }) => ok(c, taskView(await createTask(db, body)), 'Task created', 201),
  );

  route(
    app,
    createRoute({
      method: 'get',
      path: '/api/tasks/{id}',
      tags: tag,
      security,
      summary: 'Get a task',
      request: { params: IdParam },
      responses: responses(TaskSchema, 'The task', 200, true),
    }),
    async (c, { params }) => ok(c, taskView(await load(params.id))),
  );

  for (const method of ['patch', 'put'] as const) {
    route(
      app,
      createRoute({
        method,
        path: '/api/tasks/{id}',
        tags: tag,
        security,
        summary: method === 'patch' ? 'Update a task' : 'Update a task (alias of PATCH)',
        request: { params: IdParam, ...jsonBody(TaskUpdate) },
        responses: { ...responses(TaskSchema, 'Updated', 200, true), ...conflictResponse },
      }),
      async (c, { params, body }) => ok(c, taskView(await updateTask(db, await load(params.id), body)), 'Task updated'),
    );
  }

  route(
    app,
    createRoute({
      method: 'delete',
      path: '/api/tasks/{id}',
      tags: tag,
      security,
      summary: 'Delete a task',
      request: { params: IdParam },
      responses: responses(z.object({ id: z.string() }), 'Deleted', 200, true),
    }),
    async (c, { params }) => {
      await deleteTask(db, (await load(params.id)).id);
      return ok(c, { id: params.id }, 'Task deleted');
    },
  );
}
