/**
 * /api/owner/*: what the owner is told without asking, run on Windmill's schedules (or by hand):
 * the weekly digest and the daily smart reminders, delivered through the owner's channels (the
 * inbox; the webhook and SMS when configured), each at most once per week or per item per day.
 */
import { createRoute, z } from '@hono/zod-openapi';
import { ok } from '../errors.js';
import type { ApiDeps } from './deps.js';
import { ErrorEnvelope, json, responses, route, type ApiApp } from './openapi.js';

const tag = ['Owner notices'];
const security = [{ bearer: [] }];

const Started = z.object({
  data: z.object({ workflowId: z.string() }),
  success: z.literal(true),
  message: z.string(),
  timestamp: z.string(),
});

const DigestSchema = z
  .object({
    workflowId: z.string(),
    week: z.string().openapi({ description: 'Monday (UTC) of the week; one digest per week' }),
    markdown: z.string(),
    needsAttention: z.number().int(),
    tasksDue: z.number().int(),
    sent: z.number().int().openapi({ description: 'Deliveries made now (0: already delivered this week)' }),
  })
  .openapi('Digest');

const RemindersSchema = z
  .object({
    workflowId: z.string(),
    day: z.string(),
    tasks: z.number().int(),
    contacts: z.number().int(),
    sent: z.number().int().openapi({ description: 'Deliveries made now (0: everything already said today)' }),
  })
  .openapi('Reminders');

export function ownerRoutes(app: ApiApp, deps: ApiDeps) {
  route(
    app,
    createRoute({
      method: 'post',
      path: '/api/owner/digest',
      tags: tag,
      security,
      summary: "Deliver this week's digest: who needs attention, the week's calls, tasks due (once per week)",
      responses: {
        ...responses(DigestSchema, 'Delivered (or already delivered this week)'),
        202: { content: { 'application/json': { schema: Started } }, description: 'Still running' },
        503: json(ErrorEnvelope, 'The workflow engine is unavailable; retry shortly'),
      },
    }),
    async (c) => {
      const { workflowId, result } = await deps.gateway.notifyOwner({
        kind: 'digest',
        requestId: c.get('requestId'),
        waitMs: 20_000,
      });
      if (!result) return ok(c, { workflowId }, 'The digest is still being delivered', 202);
      return ok(c, { workflowId, ...result }, result.sent ? 'Digest delivered' : 'Digest already delivered this week');
    },
  );

  route(
    app,
    createRoute({
      method: 'post',
      path: '/api/owner/reminders',
      tags: tag,
      security,
      summary: 'Remind the owner of tasks coming due and contacts overdue against their rhythm (once per item per day)',
      responses: {
        ...responses(RemindersSchema, 'Reminded (or nothing new to say today)'),
        202: { content: { 'application/json': { schema: Started } }, description: 'Still running' },
        503: json(ErrorEnvelope, 'The workflow engine is unavailable; retry shortly'),
      },
    }),
    async (c) => {
      const { workflowId, result } = await deps.gateway.notifyOwner({
        kind: 'reminders',
        requestId: c.get('requestId'),
        waitMs: 20_000,
      });
      if (!result) return ok(c, { workflowId }, 'Reminders are still being delivered', 202);
      return ok(c, { workflowId, ...result }, `${result.sent} reminder deliveries`);
    },
  );
}
