import type { Usage } from '../../spec/index.ts';

export interface OpenAIUsageBody {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  prompt_tokens_details: { cached_tokens: number };
  completion_tokens_details: { reasoning_tokens: number };
}

/** Usage in OpenAI's response shape. */
export function toOpenAIUsage(usage: Usage): OpenAIUsageBody {
  return {
    prompt_tokens: usage.inputTokens.total,
    completion_tokens: usage.outputTokens.total,
    total_tokens: usage.inputTokens.total + usage.outputTokens.total,
    prompt_tokens_details: { cached_tokens: usage.inputTokens.cacheRead },
    completion_tokens_details: { reasoning_tokens: usage.outputTokens.reasoning },
  };
}
