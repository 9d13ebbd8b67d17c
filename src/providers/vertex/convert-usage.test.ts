import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Usage } from '../../spec/index.ts';
import { convertGeminiUsage, type GeminiUsageMetadata } from './convert-usage.ts';

describe('convertGeminiUsage', () => {
  const cases: Array<[string, GeminiUsageMetadata, Usage]> = [
    [
      'prompt and candidates only',
      { promptTokenCount: 12, candidatesTokenCount: 4, totalTokenCount: 16 },
      { inputTokens: { total: 12, noCache: 12, cacheRead: 0, cacheWrite: 0 }, outputTokens: { total: 4, text: 4, reasoning: 0 } },
    ],
    [
      'cached tokens are part of the prompt count',
      { promptTokenCount: 1290, candidatesTokenCount: 5, cachedContentTokenCount: 1024, totalTokenCount: 1295 },
      { inputTokens: { total: 1290, noCache: 266, cacheRead: 1024, cacheWrite: 0 }, outputTokens: { total: 5, text: 5, reasoning: 0 } },
    ],
    [
      'thinking tokens are billed as output beside the candidates',
      { promptTokenCount: 9, candidatesTokenCount: 29, thoughtsTokenCount: 256, totalTokenCount: 294 },
      { inputTokens: { total: 9, noCache: 9, cacheRead: 0, cacheWrite: 0 }, outputTokens: { total: 285, text: 29, reasoning: 256 } },
    ],
    [
      'tool-use prompt tokens count as input',
      { promptTokenCount: 12, candidatesTokenCount: 71, cachedContentTokenCount: 4, toolUsePromptTokenCount: 65, thoughtsTokenCount: 89, totalTokenCount: 237 },
      { inputTokens: { total: 77, noCache: 73, cacheRead: 4, cacheWrite: 0 }, outputTokens: { total: 160, text: 71, reasoning: 89 } },
    ],
    [
      'a blocked prompt: no candidates count',
      { promptTokenCount: 9, totalTokenCount: 9 },
      { inputTokens: { total: 9, noCache: 9, cacheRead: 0, cacheWrite: 0 }, outputTokens: { total: 0, text: 0, reasoning: 0 } },
    ],
    [
      'cached == prompt: nothing left uncached',
      { promptTokenCount: 40, candidatesTokenCount: 3, cachedContentTokenCount: 40, totalTokenCount: 43 },
      { inputTokens: { total: 40, noCache: 0, cacheRead: 40, cacheWrite: 0 }, outputTokens: { total: 3, text: 3, reasoning: 0 } },
    ],
    [
      'cached == prompt + 1 (a faulty upstream): capped at the prompt',
      { promptTokenCount: 40, candidatesTokenCount: 3, cachedContentTokenCount: 41, totalTokenCount: 43 },
      { inputTokens: { total: 40, noCache: 0, cacheRead: 40, cacheWrite: 0 }, outputTokens: { total: 3, text: 3, reasoning: 0 } },
    ],
    [
      'cached above the prompt with tool-use prompt tokens: capped at promptTokenCount, which alone holds the cached part',
      { promptTokenCount: 10, toolUsePromptTokenCount: 5, candidatesTokenCount: 3, cachedContentTokenCount: 12, totalTokenCount: 18 },
      { inputTokens: { total: 15, noCache: 5, cacheRead: 10, cacheWrite: 0 }, outputTokens: { total: 3, text: 3, reasoning: 0 } },
    ],
    [
      'thoughts only (reasoning == the whole output): no candidates count',
      { promptTokenCount: 8, thoughtsTokenCount: 50, totalTokenCount: 58 },
      { inputTokens: { total: 8, noCache: 8, cacheRead: 0, cacheWrite: 0 }, outputTokens: { total: 50, text: 0, reasoning: 50 } },
    ],
    [
      'thoughts above the candidates: added, never subtracted',
      { promptTokenCount: 8, candidatesTokenCount: 3, thoughtsTokenCount: 4, totalTokenCount: 15 },
      { inputTokens: { total: 8, noCache: 8, cacheRead: 0, cacheWrite: 0 }, outputTokens: { total: 7, text: 3, reasoning: 4 } },
    ],
    [
      'garbage counts are zero',
      { promptTokenCount: -3, candidatesTokenCount: 'many', thoughtsTokenCount: Number.NaN, totalTokenCount: 1 },
      { inputTokens: { total: 0, noCache: 0, cacheRead: 0, cacheWrite: 0 }, outputTokens: { total: 0, text: 0, reasoning: 0 } },
    ],
  ];
  for (const [name, metadata, expected] of cases) {
    it(name, () => assert.deepEqual(convertGeminiUsage(metadata), expected));
  }

  it('is undefined without usage, or with metadata that carries no token count', () => {
    assert.equal(convertGeminiUsage(undefined), undefined);
    assert.equal(convertGeminiUsage(null), undefined);
    assert.equal(convertGeminiUsage({ trafficType: 'ON_DEMAND' } as GeminiUsageMetadata), undefined);
  });

  it('the output total is what Vertex bills as output: totalTokenCount minus the input', () => {
    const metadata = { promptTokenCount: 120, candidatesTokenCount: 42, thoughtsTokenCount: 138, totalTokenCount: 300 };
    const usage = convertGeminiUsage(metadata)!;
    assert.equal(usage.inputTokens.total + usage.outputTokens.total, metadata.totalTokenCount);
  });
});
