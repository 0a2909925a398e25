/** Dimension of every stored vector; adapters ask their vendor for exactly this many. (No imports: providers read it too.) */
export const EMBEDDING_DIM = 512;
