/**
 * Bedrock Converse `stopReason` as a FinishReason. The raw value is always kept.
 */
import type { FinishReason, UnifiedFinishReason } from '../../spec/index.ts';

const unifiedByRaw: Record<string, UnifiedFinishReason> = {
  end_turn: 'stop',
  stop_sequence: 'stop',
  max_tokens: 'length',
  // The model filled its context window while generating: OpenAI reports the same condition as `length`. A
  // non-streaming response with this reason is refused as context_length_exceeded before it gets here.
  model_context_window_exceeded: 'length',
  tool_use: 'tool-calls',
  guardrail_intervened: 'content-filter',
  content_filtered: 'content-filter',
};

// Shared instances: finish reasons are immutable and the common ones need no allocation per request.
const known = new Map<string, FinishReason>(
  Object.entries(unifiedByRaw).map(([raw, unified]) => [raw, Object.freeze({ unified, raw })]),
);
const missing: FinishReason = Object.freeze({ unified: 'other', raw: undefined });

/** A Converse `stopReason` as a FinishReason; unknown reasons (`malformed_model_output`, …) are `other`. */
export function mapConverseStopReason(raw: string | null | undefined): FinishReason {
  if (raw === null || raw === undefined) return missing;
  return known.get(raw) ?? { unified: 'other', raw };
}
