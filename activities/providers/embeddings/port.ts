/** Text embeddings at the one dimension the database column has. */
export interface EmbeddingsPort {
  readonly name: string;
  /** Stored beside every vector; vectors of different models are never compared. */
  readonly model: string;
  embed(texts: string[]): Promise<number[][]>;
}
