/**
 * Bedrock `TokenUsage` as Usage.
 *
 * Bedrock reports `inputTokens` WITHOUT the prompt-cache buckets: with prompt caching, `inputTokens` counts only the
 * tokens read neither from nor into the cache, and `cacheReadInputTokens` / `cacheWriteInputTokens` are reported
 * beside it (the Bedrock prompt-caching guide: total input = inputTokens + cacheReadInputTokens +
 * cacheWriteInputTokens). Every one of those tokens is billed as a prompt token (at three prices), so the total
 * input is their sum, and the no-cache part is `inputTokens` itself. Bedrock does not break reasoning tokens out of
 * `outputTokens`, so reasoning is 0 and every output token counts as text.
 */
import { createUsage, type Usage } from '../../spec/index.ts';

export interface ConverseUsage {
  inputTokens?: unknown;
  outputTokens?: unknown;
  totalTokens?: unknown;
  cacheReadInputTokens?: unknown;
  cacheWriteInputTokens?: unknown;
}

/** Converse usage as Usage; undefined when the upstream sent none. */
export function convertConverseUsage(usage: ConverseUsage | null | undefined): Usage | undefined {
  if (usage === null || usage === undefined || typeof usage !== 'object') return undefined;
  const cacheRead = count(usage.cacheReadInputTokens);
  const cacheWrite = count(usage.cacheWriteInputTokens);
  return createUsage({
    input: count(usage.inputTokens) + cacheRead + cacheWrite,
    cacheRead,
    cacheWrite,
    output: count(usage.outputTokens),
  });
}

function count(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : 0;
}
