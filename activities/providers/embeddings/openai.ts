/**
 * Any OpenAI-compatible embeddings endpoint (OpenAI, Voyage's compatible API, local servers) on the
 * official `openai` SDK, asking for exactly the dimensions it is given (the stored vectors' size).
 */
import OpenAI from 'openai';
import { z } from 'zod';
import { ProviderError, toProviderError } from '../errors.js';
import type { EmbeddingsPort } from './port.js';
import { normalise } from './local.js';

const responseSchema = z.object({ data: z.array(z.object({ index: z.number(), embedding: z.array(z.number()) })) });

export function createOpenAIEmbeddings(options: {
  apiKey: string;
  baseUrl?: string;
  model: string;
  provider: 'openai' | 'voyage';
  /** The stored vectors' size: the vendor is asked for exactly this many dimensions. */
  dimensions: number;
}): EmbeddingsPort {
  const EMBEDDING_DIM = options.dimensions;
  const baseURL = options.baseUrl ?? (options.provider === 'voyage' ? 'https://api.voyageai.com/v1' : undefined);
  const client = new OpenAI({ apiKey: options.apiKey, baseURL, maxRetries: 0, timeout: 60_000 });
  return {
    name: options.provider,
    model: options.model,
    async embed(texts) {
      if (texts.length === 0) return [];
      let raw: unknown;
      try {
        raw = await client.embeddings.create(
          options.provider === 'voyage'
            ? ({ model: options.model, input: texts, output_dimension: EMBEDDING_DIM } as never)
            : { model: options.model, input: texts, dimensions: EMBEDDING_DIM, encoding_format: 'float' },
        );
      } catch (err) {
        throw toProviderError(options.provider, err);
      }
      const parsed = responseSchema.safeParse(raw);
      if (!parsed.success || parsed.data.data.length !== texts.length) {
        throw new ProviderError(
          `${options.provider}: embeddings response did not match the request`,
          false,
          options.provider,
        );
      }
      return parsed.data.data
        .sort((a, b) => a.index - b.index)
        .map((d) => {
          if (d.embedding.length !== EMBEDDING_DIM) {
            throw new ProviderError(
              `${options.provider}: got ${d.embedding.length} dimensions, expected ${EMBEDDING_DIM}`,
              false,
              options.provider,
            );
          }
          return normalise(d.embedding);
        });
    },
  };
}
