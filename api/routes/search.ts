/** /api/search: semantic (pgvector), full-text and hybrid (reciprocal rank fusion) over calls and messages. */
import { createRoute, z } from '@hono/zod-openapi';
import {
  describeHits,
  fuseRankings,
  fulltextSearch,
  semanticSearch,
  type SearchFilter,
  type SearchHit,
} from '../../db/queries/search.js';
import { ApiError, ok } from '../errors.js';
import type { ApiDeps } from './deps.js';
import { ErrorEnvelope, isoDate, json, responses, route, type ApiApp } from './openapi.js';

const tag = ['Search'];
const security = [{ bearer: [] }];

const SearchQuery = z.object({
  q: z
    .string()
    .trim()
    .min(1)
    .regex(/\S/, 'must not be blank')
    .max(500)
    .openapi({ description: 'What was said, in your own words', example: 'who wanted to reschedule the dentist' }),
  limit: z.coerce.number().int().min(1).max(50).default(10),
  contactId: z.uuid().optional(),
  type: z.enum(['call', 'message']).optional(),
  from: isoDate(),
  to: isoDate(),
});

const HitSchema = z
  .object({
    type: z.enum(['call', 'message']),
    id: z.string().openapi({ description: 'The phone record or message id' }),
    score: z.number(),
    ranks: z.record(z.string(), z.number()).optional().openapi({ description: 'Hybrid only: rank in each method' }),
    occurredAt: z.string().nullable(),
    contactId: z.string().nullable(),
    contactName: z.string().nullable(),
    phoneNumber: z.string().nullable(),
    direction: z.string().nullable(),
    summary: z.string().nullable(),
    passage: z.object({
      text: z.string(),
      kind: z.string(),
      chunkIndex: z.number().nullable(),
      startMs: z.number().nullable().openapi({ description: 'Offset of the passage in the recording' }),
    }),
  })
  .openapi('SearchHit');

const ResultSchema = z
  .object({
    query: z.string(),
    mode: z.enum(['semantic', 'fulltext', 'hybrid']),
    model: z.string().optional(),
    /** Set when hybrid search answered with full-text alone because the query could not be embedded. */
    degraded: z
      .object({ semantic: z.string() })
      .optional()
      .openapi({ description: 'Hybrid only: the method left out, and why' }),
    hits: z.array(HitSchema),
  })
  .openapi('SearchResult');

/** The query embedder failed: semantic search cannot answer (503), hybrid answers with full-text. */
const embedFailure = (err: unknown) =>
  `the query could not be embedded (${String((err as Error)?.message ?? err)
    .split('\n')[0]!
    .slice(0, 160)})`;

export function searchRoutes(app: ApiApp, deps: ApiDeps) {
  const { db, embedder } = deps;
  const filterOf = (q: z.infer<typeof SearchQuery>): SearchFilter => ({
    contactId: q.contactId,
    from: q.from,
    to: q.to,
    type: q.type,
  });
  const embed = async (text: string) => {
    try {
      return await embedder.embed(text);
    } catch (err) {
      throw new ApiError(
        503,
        'embeddings_unavailable',
        `Semantic search is unavailable: ${embedFailure(err)}; full-text search still works`,
      );
    }
  };
  const semantic = async (q: z.infer<typeof SearchQuery>, limit: number) =>
    semanticSearch(db, await embed(q.q), embedder.model, filterOf(q), limit);

  route(
    app,
    createRoute({
      method: 'get',
      path: '/api/search/semantic',
      tags: tag,
      security,
      summary: 'Find calls and messages by meaning (pgvector)',
      request: { query: SearchQuery },
      responses: {
        ...responses(ResultSchema, 'Best passage per call or message, nearest first'),
        503: json(ErrorEnvelope, 'The query could not be embedded'),
      },
    }),
    async (c, { query }) =>
      ok(c, {
        query: query.q,
        mode: 'semantic' as const,
        model: embedder.model,
        hits: await describeHits(db, await semantic(query, query.limit)),
      }),
  );

  route(
    app,
    createRoute({
      method: 'get',
      path: '/api/search/fulltext',
      tags: tag,
      security,
      summary: 'Find calls and messages by their words (web-search syntax: "quoted phrases", -excluded, or)',
      request: { query: SearchQuery },
      responses: responses(ResultSchema, 'Ranked by ts_rank_cd, with highlighted snippets'),
    }),
    async (c, { query }) =>
      ok(c, {
        query: query.q,
        mode: 'fulltext' as const,
        hits: await describeHits(db, await fulltextSearch(db, query.q, filterOf(query), query.limit)),
      }),
  );

  route(
    app,
    createRoute({
      method: 'get',
      path: '/api/search',
      tags: tag,
      security,
      summary: 'Hybrid search: semantic and full-text fused by reciprocal rank',
      request: { query: SearchQuery },
      responses: responses(ResultSchema, "Fused ranking; `ranks` shows each method's rank"),
    }),
    async (c, { query }) => {
      const depth = Math.max(20, query.limit * 3);
      const [sem, text] = await Promise.all([
        semantic(query, depth).then(
          (hits) => ({ hits }),
          (err: unknown) => ({
            hits: [] as SearchHit[],
            failed: err instanceof ApiError ? err.message : embedFailure(err),
          }),
        ),
        fulltextSearch(db, query.q, filterOf(query), depth),
      ]);
      if ('failed' in sem) {
        // Better the words than nothing: answer with full-text, and say what is missing.
        const hits = fuseRankings([{ name: 'fulltext', hits: text }], query.limit);
        return ok(c, {
          query: query.q,
          mode: 'hybrid' as const,
          degraded: { semantic: sem.failed },
          hits: await describeHits(db, hits),
        });
      }
      const fused = fuseRankings(
        [
          { name: 'semantic', hits: sem.hits },
          { name: 'fulltext', hits: text },
        ],
        query.limit,
      );
      return ok(c, {
        query: query.q,
        mode: 'hybrid' as const,
        model: embedder.model,
        hits: await describeHits(db, fused),
      });
    },
  );
}
