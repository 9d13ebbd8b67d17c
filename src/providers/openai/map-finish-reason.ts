import type { FinishReason, UnifiedFinishReason } from '../../spec/index.ts';

const unifiedByRaw: Record<string, UnifiedFinishReason> = {
  stop: 'stop',
  length: 'length',
  tool_calls: 'tool-calls',
  function_call: 'tool-calls',
  content_filter: 'content-filter',
};

// Shared instances: finish reasons are immutable and the common ones need no allocation per request.
const known = new Map<string, FinishReason>(
  Object.entries(unifiedByRaw).map(([raw, unified]) => [raw, Object.freeze({ unified, raw })]),
);
const missing: FinishReason = Object.freeze({ unified: 'other', raw: undefined });

/** An OpenAI `finish_reason` as a FinishReason. */
export function mapOpenAIFinishReason(raw: string | null | undefined): FinishReason {
  if (raw === null || raw === undefined) return missing;
  return known.get(raw) ?? { unified: 'other', raw };
}
