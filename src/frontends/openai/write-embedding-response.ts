/**
 * A canonical EmbeddingResult as an OpenAI embedding list, in the encoding the client asked for.
 */
import type { EmbeddingRequest, EmbeddingResult } from '../../spec/index.ts';

export function writeEmbeddingResponse(request: EmbeddingRequest, result: EmbeddingResult): string {
  const data = new Array(result.embeddings.length);
  for (let index = 0; index < result.embeddings.length; index++) {
    data[index] = { object: 'embedding', index, embedding: encodeEmbedding(result.embeddings[index], request.encodingFormat) };
  }
  return JSON.stringify({
    object: 'list',
    data,
    model: result.model,
    usage: { prompt_tokens: result.inputTokens, total_tokens: result.inputTokens },
  });
}

function encodeEmbedding(embedding: number[] | string, format: 'float' | 'base64'): number[] | string {
  if (format === 'base64') {
    if (typeof embedding === 'string') return embedding;
    return Buffer.from(Float32Array.from(embedding).buffer).toString('base64');
  }
  if (typeof embedding !== 'string') return embedding;
  // Copied into a fresh buffer: a pooled Buffer's offset need not be 4-byte aligned, which Float32Array requires.
  const bytes = new Uint8Array(Buffer.from(embedding, 'base64'));
  return Array.from(new Float32Array(bytes.buffer, 0, bytes.byteLength >> 2));
}
