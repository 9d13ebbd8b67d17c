/**
 * Gemini `finishReason` as a FinishReason. The raw value is always kept.
 *
 * Gemini says `STOP` when it ends a turn with function calls; OpenAI clients wait for `tool_calls`, so `STOP` with at
 * least one function call is `tool-calls`. Decisions beyond the obvious ones:
 * - RECITATION (and IMAGE_RECITATION) is `content-filter`: generation was cut by a policy check on the output (it
 *   would have recited training data), which is what OpenAI and Azure report as `content_filter` for protected
 *   material.
 * - CONTINUATION (the per-request token budget ran out before the answer was complete) is `length`.
 * - LANGUAGE, MALFORMED_FUNCTION_CALL, UNEXPECTED_TOOL_CALL, TOO_MANY_TOOL_CALLS, MALFORMED_RESPONSE, NO_IMAGE,
 *   IMAGE_OTHER, OTHER, FINISH_REASON_UNSPECIFIED and reasons newer than this table are `other`.
 */
import type { FinishReason, UnifiedFinishReason } from '../../spec/index.ts';

const unifiedByRaw: Record<string, UnifiedFinishReason> = {
  STOP: 'stop',
  MAX_TOKENS: 'length',
  CONTINUATION: 'length',
  SAFETY: 'content-filter',
  RECITATION: 'content-filter',
  BLOCKLIST: 'content-filter',
  PROHIBITED_CONTENT: 'content-filter',
  SPII: 'content-filter',
  IMAGE_SAFETY: 'content-filter',
  IMAGE_PROHIBITED_CONTENT: 'content-filter',
  IMAGE_RECITATION: 'content-filter',
};

// Shared instances: finish reasons are immutable and the common ones need no allocation per request.
const known = new Map<string, FinishReason>(
  Object.entries(unifiedByRaw).map(([raw, unified]) => [raw, Object.freeze({ unified, raw })]),
);
const stopWithToolCalls: FinishReason = Object.freeze({ unified: 'tool-calls', raw: 'STOP' });
const missing: FinishReason = Object.freeze({ unified: 'other', raw: undefined });
const missingWithToolCalls: FinishReason = Object.freeze({ unified: 'tool-calls', raw: undefined });

/**
 * A Gemini `finishReason` as a FinishReason. `hasToolCalls`: the candidate carried at least one function call, which
 * turns `STOP` into `tool-calls`.
 */
export function mapGeminiFinishReason(raw: string | null | undefined, hasToolCalls: boolean): FinishReason {
  if (raw === null || raw === undefined || raw === '') return hasToolCalls ? missingWithToolCalls : missing;
  if (hasToolCalls && raw === 'STOP') return stopWithToolCalls;
  return known.get(raw) ?? { unified: 'other', raw };
}
