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
  return createUsage({
    input: numberOrZero(usage.prompt_tokens),
    cacheRead: numberOrZero(usage.prompt_tokens_details?.cached_tokens),
    output: numberOrZero(usage.completion_tokens),
    reasoning: numberOrZero(usage.completion_tokens_details?.reasoning_tokens),
  });
}

function numberOrZero(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : 0;
}
