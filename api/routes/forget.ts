/**
 * Erasure: forget a contact (with every call, text, recording, transcript, passage, task and
 * notification that came from them, and their Temporal histories), a number that never became a
 * contact, or one call or one text. Runs as a workflow, so a crash halfway finishes later.
 */
import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { ForgetSubject } from '../../db/queries/forget.js';
import { getContact } from '../../db/queries/contacts.js';
import { getPhoneRecord } from '../../db/queries/phone-records.js';
import { getMessage } from '../../db/queries/messages.js';
import { notFound, ok } from '../errors.js';
import type { ApiDeps } from './deps.js';
import { normaliseParty } from '../../platform/phone.js';
import { IdParam, envelope, errors, isUuid, json, notFoundResponse, route, type ApiApp } from './openapi.js';

const security = [{ bearer: [] }];
const Removed = z
  .object({ workflowId: z.string(), removed: z.record(z.string(), z.number()).optional() })
  .openapi('ForgetResult');
const forgetResponses = {
  200: json(envelope(Removed), 'Erased; `removed` counts what went (rows, recordings, workflow histories)'),
  202: json(envelope(Removed), 'Still erasing; follow the workflow'),
  ...notFoundResponse,
  ...errors,
};

export function forgetRoutes(app: ApiApp, deps: ApiDeps) {
  const { db } = deps;
  const run = async (c: Context, subject: ForgetSubject) => {
    const { workflowId, removed } = await deps.gateway.forget({
      subject,
      requestId: c.get('requestId') as string,
      waitMs: 20_000,
    });
    return removed ? ok(c, { workflowId, removed }, 'Erased') : ok(c, { workflowId }, 'Erasure is still running', 202);
  };

  route(
    app,
    createRoute({
      method: 'post',
      path: '/api/contacts/{id}/forget',
      tags: ['Contacts'],
      security,
      summary:
        'Forget a person: the contact and everything from their number (calls, recordings, texts, tasks, notifications, search passages, history)',
      request: { params: IdParam },
      responses: forgetResponses,
    }),
    async (c, { params }) => {
      if (!isUuid(params.id) || !(await getContact(db, params.id))) throw notFound('Contact');
      return run(c, { contactId: params.id });
    },
  );

  route(
    app,
    createRoute({
      method: 'post',
      path: '/api/phone-numbers/{phone}/forget',
      tags: ['Contacts'],
      security,
      summary:
        'Forget a number (one that never became a contact, or with its contact); any format, also SIP or withheld caller IDs as stored',
      request: {
        params: z.object({
          phone: z
            .string()
            .min(1)
            .max(40)
            .openapi({ param: { name: 'phone', in: 'path' }, example: '+12125550100' }),
        }),
      },
      responses: forgetResponses,
    }),
    async (c, { params }) => run(c, { e164: normaliseParty(params.phone, deps.region).display }),
  );

  route(
    app,
    createRoute({
      method: 'delete',
      path: '/api/phone-records/{id}',
      tags: ['Phone records'],
      security,
      summary: 'Delete one call: its record, recording, transcript, passages, tasks, notifications and history',
      request: { params: IdParam },
      responses: forgetResponses,
    }),
    async (c, { params }) => {
      if (!isUuid(params.id) || !(await getPhoneRecord(db, params.id))) throw notFound('Phone record');
      return run(c, { phoneRecordId: params.id });
    },
  );

  route(
    app,
    createRoute({
      method: 'delete',
      path: '/api/messages/{id}',
      tags: ['Messages'],
      security,
      summary: 'Delete one text: the message, its passages, notifications and history',
      request: { params: IdParam },
      responses: forgetResponses,
    }),
    async (c, { params }) => {
      const row = isUuid(params.id) ? await getMessage(db, params.id) : null;
      if (!row) throw notFound('Message');
      return run(c, { messageId: params.id });
    },
  );
}
