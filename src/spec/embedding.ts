/**
 * Canonical embedding request and result.
 * Imports only sibling spec files.
 */
export interface EmbeddingRequest {
  readonly model: string;
  /** Strings, or pre-tokenised arrays of token ids. */
  readonly input: string[] | number[][];
  readonly dimensions: number | undefined;
  readonly encodingFormat: 'float' | 'base64';
  readonly user: string | undefined;
  /** Whether the client sent a single input (not a list); embeddings are returned as a list either way. */
  readonly body: Record<string, unknown>;
}

export interface EmbeddingResult {
  readonly model: string;
  /** One entry per input, in order: floats, or a base64 string of little-endian float32 when asked. */
  readonly embeddings: Array<number[] | string>;
  readonly inputTokens: number;
}
