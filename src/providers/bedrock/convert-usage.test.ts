import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { convertConverseUsage } from './convert-usage.ts';

describe('convertConverseUsage', () => {
  const cases: Array<[string, Parameters<typeof convertConverseUsage>[0], { input: [number, number, number, number]; output: [number, number, number] } | undefined]> = [
    ['no usage', undefined, undefined],
    ['null usage', null, undefined],
    ['no caching', { inputTokens: 12, outputTokens: 4, totalTokens: 16 }, { input: [12, 12, 0, 0], output: [4, 4, 0] }],
    [
      'cache reads and writes added to inputTokens (which excludes them)',
      { inputTokens: 12, outputTokens: 4, totalTokens: 1296, cacheReadInputTokens: 1024, cacheWriteInputTokens: 256 },
      { input: [1292, 12, 1024, 256], output: [4, 4, 0] },
    ],
    ['a cache read only', { inputTokens: 0, outputTokens: 1, totalTokens: 501, cacheReadInputTokens: 500 }, { input: [500, 0, 500, 0], output: [1, 1, 0] }],
    ['every prompt token from the cache (inputTokens 0): nothing uncached', { inputTokens: 0, outputTokens: 2, totalTokens: 42, cacheReadInputTokens: 30, cacheWriteInputTokens: 10 }, { input: [40, 0, 30, 10], output: [2, 2, 0] }],
    ['one uncached token beside the cache', { inputTokens: 1, outputTokens: 2, totalTokens: 33, cacheReadInputTokens: 30 }, { input: [31, 1, 30, 0], output: [2, 2, 0] }],
    ['a totalTokens that disagrees is not trusted: the parts are summed', { inputTokens: 5, outputTokens: 2, totalTokens: 3, cacheReadInputTokens: 4 }, { input: [9, 5, 4, 0], output: [2, 2, 0] }],
    ['negative cache counts are zero', { inputTokens: 5, outputTokens: 2, cacheReadInputTokens: -4, cacheWriteInputTokens: -1 }, { input: [5, 5, 0, 0], output: [2, 2, 0] }],
    ['junk counts as zero', { inputTokens: 'x', outputTokens: -3, totalTokens: null }, { input: [0, 0, 0, 0], output: [0, 0, 0] }],
  ];
  for (const [name, usage, expected] of cases) {
    it(name, () => {
      const result = convertConverseUsage(usage);
      if (expected === undefined) {
        assert.equal(result, undefined);
        return;
      }
      const [total, noCache, cacheRead, cacheWrite] = expected.input;
      const [outputTotal, text, reasoning] = expected.output;
      assert.deepEqual(result, { inputTokens: { total, noCache, cacheRead, cacheWrite }, outputTokens: { total: outputTotal, text, reasoning } });
    });
  }
});
