import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Usage } from '../../spec/index.ts';
import { convertOpenAIUsage, type OpenAIUsage } from './convert-usage.ts';

function usage(input: [number, number, number, number], output: [number, number, number]): Usage {
  const [total, noCache, cacheRead, cacheWrite] = input;
  const [outputTotal, text, reasoning] = output;
  return { inputTokens: { total, noCache, cacheRead, cacheWrite }, outputTokens: { total: outputTotal, text, reasoning } };
}

function openai(prompt: number, cached: number | undefined, completion: number, reasoning: number | undefined): OpenAIUsage {
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
    ...(cached === undefined ? {} : { prompt_tokens_details: { cached_tokens: cached } }),
    ...(reasoning === undefined ? {} : { completion_tokens_details: { reasoning_tokens: reasoning } }),
  };
}

describe('convertOpenAIUsage', () => {
  const cases: Array<[string, OpenAIUsage, Usage]> = [
    ['no details', openai(12, undefined, 4, undefined), usage([12, 12, 0, 0], [4, 4, 0])],
    ['null details (older servers)', { prompt_tokens: 12, completion_tokens: 4, prompt_tokens_details: null, completion_tokens_details: null }, usage([12, 12, 0, 0], [4, 4, 0])],
    ['cached tokens are part of prompt_tokens', openai(1290, 1024, 5, 0), usage([1290, 266, 1024, 0], [5, 5, 0])],
    ['reasoning tokens are part of completion_tokens', openai(9, 0, 285, 256), usage([9, 9, 0, 0], [285, 29, 256])],
    ['cached == prompt: nothing left uncached', openai(40, 40, 3, 0), usage([40, 0, 40, 0], [3, 3, 0])],
    ['cached == prompt + 1 (a faulty upstream): capped at the prompt', openai(40, 41, 3, 0), usage([40, 0, 40, 0], [3, 3, 0])],
    ['cached far above the prompt: capped, never negative', openai(20, 100000, 3, 0), usage([20, 0, 20, 0], [3, 3, 0])],
    ['reasoning == completion: no visible text', openai(8, 0, 50, 50), usage([8, 8, 0, 0], [50, 0, 50])],
    ['reasoning == completion + 1 (a faulty upstream): capped at the completion', openai(8, 0, 50, 51), usage([8, 8, 0, 0], [50, 0, 50])],
    ['negative, non-numeric and missing counts are zero', { prompt_tokens: -5, completion_tokens: Number.NaN, prompt_tokens_details: { cached_tokens: -1 }, completion_tokens_details: { reasoning_tokens: 'x' as unknown as number } }, usage([0, 0, 0, 0], [0, 0, 0])],
  ];
  for (const [name, wire, expected] of cases) {
    it(name, () => assert.deepEqual(convertOpenAIUsage(wire), expected));
  }

  it('is undefined without usage', () => {
    assert.equal(convertOpenAIUsage(undefined), undefined);
    assert.equal(convertOpenAIUsage(null), undefined);
  });

  it('no part of the result is negative or larger than its whole, whatever the upstream says', () => {
    for (const prompt of [0, 1, 7]) {
      for (const cached of [0, prompt - 1, prompt, prompt + 1, -1]) {
        for (const reasoning of [0, 2, 3, 4, -2]) {
          const result = convertOpenAIUsage(openai(prompt, cached, 3, reasoning))!;
          const { inputTokens, outputTokens } = result;
          for (const value of [...Object.values(inputTokens), ...Object.values(outputTokens)]) assert.ok(value >= 0);
          assert.equal(inputTokens.noCache + inputTokens.cacheRead + inputTokens.cacheWrite, inputTokens.total);
          assert.equal(outputTokens.text + outputTokens.reasoning, outputTokens.total);
        }
      }
    }
  });
});
