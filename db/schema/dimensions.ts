/** The vector column's dimension is the contract's (contract/embeddings.ts). */
export { EMBEDDING_DIM } from '../../contract/embeddings.js';
