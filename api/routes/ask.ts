/** POST /api/ask: a question across calls and messages, answered with citations. */
import { createRoute, z } from '@hono/zod-openapi';
import { createAsker } from '../ask/answer.js';
import { ok } from '../errors.js';
import type { ApiDeps } from './deps.js';
import { jsonBody, responses, route, type ApiApp } from './openapi.js';

const AskBody = z
  .object({
    question: z
      .string()
      .trim()
      .min(1)
      .regex(/\S/, 'must not be blank')
      .max(500)
      .openapi({ example: 'When is mom’s birthday dinner?' }),
  })
  .strict();

const CitationSchema = z
  .object({
    phoneRecordId: z.string().optional().openapi({ description: 'The call cited' }),
    messageId: z.string().optional().openapi({ description: 'The message cited' }),
    quote: z.string().openapi({ description: 'The words cited, as said (structured answers: the fact)' }),
    startMs: z.number().optional().openapi({ description: 'Where the quote starts in the recording' }),
  })
  .openapi('Citation');

const AnswerSchema = z
  .object({
    answer: z.string(),
    citations: z.array(CitationSchema),
    mode: z.enum(['facts', 'passages', 'claude', 'none']).openapi({
      description:
        'facts: answered by queries; passages: the best sentences themselves (offline); claude: written by Claude from those sentences; none: nothing relevant was found (no citations)',
    }),
    degraded: z.string().optional().openapi({ description: 'Why Claude was asked but the passages answered' }),
  })
  .openapi('Answer');

export function askRoutes(app: ApiApp, deps: ApiDeps) {
  const asker = createAsker({
    db: deps.db,
    embedder: deps.embedder,
    timeZone: deps.timeZone,
    region: deps.region,
    writer: deps.answerWriter,
  });
  route(
    app,
    createRoute({
      method: 'post',
      path: '/api/ask',
      tags: ['Search'],
      security: [{ bearer: [] }],
      summary: 'Ask your calls: an answer with citations (structured facts first, then the passages)',
      request: jsonBody(AskBody),
      responses: responses(
        AnswerSchema,
        'The answer; every claim cites a call or message, or it says nothing was found',
      ),
    }),
    async (c, { body }) => ok(c, await asker.ask(body.question)),
  );
}
