/** Dimension of every stored vector (the pgvector column); embedding adapters are asked for exactly this many. */
export const EMBEDDING_DIM = 512;
