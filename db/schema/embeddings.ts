import { bigserial, index, integer, pgTable, text, timestamp, uniqueIndex, uuid, vector } from 'drizzle-orm/pg-core';
import { contacts } from './contacts.js';
import { EMBEDDING_DIM } from './dimensions.js';

export { EMBEDDING_DIM };

/**
 * Searchable passages of calls and messages. The model name sits beside every vector: vectors of
 * different models are never compared (queries filter on it).
 */
export const embeddings = pgTable(
  'embeddings',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    sourceType: text('source_type').notNull(),
    sourceId: uuid('source_id').notNull(),
    contactId: uuid('contact_id').references(() => contacts.id, { onDelete: 'set null' }),
    kind: text('kind').notNull(),
    chunkIndex: integer('chunk_index').notNull(),
    content: text('content').notNull(),
    startMs: integer('start_ms'),
    model: text('model').notNull(),
    embedding: vector('embedding', { dimensions: EMBEDDING_DIM }).notNull(),
    occurredAt: timestamp('occurred_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('embeddings_source_chunk_idx').on(t.sourceType, t.sourceId, t.kind, t.chunkIndex, t.model),
    index('embeddings_hnsw_idx').using('hnsw', t.embedding.op('vector_cosine_ops')),
    index('embeddings_contact_idx').on(t.contactId),
  ],
);
