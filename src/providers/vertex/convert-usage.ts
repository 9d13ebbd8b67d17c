/**
 * Gemini `usageMetadata` as Usage.
 *
 * - `promptTokenCount` counts every prompt token, the cached ones included (`cachedContentTokenCount` is a part of
 *   it, for implicit and explicit caching alike; a larger cached count, from a faulty upstream, is capped at it, so no
 *   token is priced twice). `toolUsePromptTokenCount` (results of Google-run tools fed back to
 *   the model) is reported beside it and billed as input, so the input total is their sum.
 * - `candidatesTokenCount` does NOT include the thinking tokens: Vertex reports `thoughtsTokenCount` beside it
 *   (`totalTokenCount` = prompt + candidates + toolUsePrompt + thoughts), and both are billed as output. The output
 *   total is therefore candidates + thoughts, with the thoughts as reasoning.
 * - Gemini has no prompt-cache write charge on a generate call (explicit caches are created by a separate API), so
 *   `cacheWrite` is 0.
 */
import { createUsage, type Usage } from '../../spec/index.ts';

export interface GeminiUsageMetadata {
  promptTokenCount?: unknown;
  candidatesTokenCount?: unknown;
  totalTokenCount?: unknown;
  cachedContentTokenCount?: unknown;
  thoughtsTokenCount?: unknown;
  toolUsePromptTokenCount?: unknown;
}

/**
 * Whether the metadata holds a token count at all: Vertex sends `{"trafficType":"ON_DEMAND"}` alone on early stream
 * chunks, which must not replace counts already seen.
 */
export function carriesTokenCount(usageMetadata: GeminiUsageMetadata | null | undefined): usageMetadata is GeminiUsageMetadata {
  return (
    usageMetadata !== null &&
    typeof usageMetadata === 'object' &&
    (typeof usageMetadata.promptTokenCount === 'number' ||
      typeof usageMetadata.candidatesTokenCount === 'number' ||
      typeof usageMetadata.totalTokenCount === 'number' ||
      typeof usageMetadata.thoughtsTokenCount === 'number')
  );
}

/** Gemini usage as Usage; undefined when the upstream sent none, or metadata without a single token count. */
export function convertGeminiUsage(usageMetadata: GeminiUsageMetadata | null | undefined): Usage | undefined {
  if (!carriesTokenCount(usageMetadata)) return undefined;
  const prompt = count(usageMetadata.promptTokenCount);
  const reasoning = count(usageMetadata.thoughtsTokenCount);
  return createUsage({
    input: prompt + count(usageMetadata.toolUsePromptTokenCount),
    cacheRead: Math.min(count(usageMetadata.cachedContentTokenCount), prompt),
    output: count(usageMetadata.candidatesTokenCount) + reasoning,
    reasoning,
  });
}

function count(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : 0;
}
