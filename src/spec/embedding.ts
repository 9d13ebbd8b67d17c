/**
 * Canonical embedding request and result.
 * Imports only sibling spec files.
 */

/** The client's embeddings body as sent (parsed), for upstreams of the same dialect to forward unchanged. */
export interface EmbeddingPassthrough {
  readonly dialect: 'openai-embeddings';
  readonly body: Record<string, unknown>;
}

export interface EmbeddingRequest {
  readonly model: string;
  /** Strings, or pre-tokenised arrays of token ids; always a list, even when the client sent a single input. */
  readonly input: readonly string[] | readonly (readonly number[])[];
  readonly dimensions: number | undefined;
  readonly encodingFormat: 'float' | 'base64';
  readonly user: string | undefined;
  /**
   * Set only by the OpenAI embeddings frontend; forwarded by OpenAI-dialect upstreams, and read by clouds with their
   * own format for the vendor fields it may carry (Vertex's `task_type`, Cohere's `input_type`).
   */
  readonly passthrough?: EmbeddingPassthrough;
}

export interface EmbeddingResult {
  readonly model: string;
  /** One entry per input, in order: floats, or a base64 string of little-endian float32 when asked. */
  readonly embeddings: Array<number[] | string>;
  readonly inputTokens: number;
  /** True when the upstream reported no count and the gateway counted the input with its own tokenizer. */
  readonly estimated?: boolean;
}
