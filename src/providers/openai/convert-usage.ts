/**
 * OpenAI usage as Usage (OpenAI, Azure, self-hosted servers, and Bedrock's and Vertex's OpenAI-compatible endpoints).
 *
 * `prompt_tokens` counts every prompt token, the cached ones included (`prompt_tokens_details.cached_tokens` is a part
 * of it); `completion_tokens` counts every generated token, the hidden reasoning included
 * (`completion_tokens_details.reasoning_tokens` is a part of it). A part larger than its whole (a faulty upstream) is
 * capped at the whole, so no token is priced twice and no remainder goes negative.
 */
import { createUsage, type Usage } from '../../spec/index.ts';

export interface OpenAIUsage {
  prompt_tokens?: number;
  completion_tokens?: number;
  total_tokens?: number;
  prompt_tokens_details?: { cached_tokens?: number } | null;
  completion_tokens_details?: { reasoning_tokens?: number } | null;
}

/** OpenAI usage as Usage; undefined when the upstream sent none. */
export function convertOpenAIUsage(usage: OpenAIUsage | null | undefined): Usage | undefined {
  if (usage === null || usage === undefined || typeof usage !== 'object') return undefined;
  const input = count(usage.prompt_tokens);
  const output = count(usage.completion_tokens);
  return createUsage({
    input,
    cacheRead: Math.min(count(usage.prompt_tokens_details?.cached_tokens), input),
    output,
    reasoning: Math.min(count(usage.completion_tokens_details?.reasoning_tokens), output),
  });
}

function count(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : 0;
}
