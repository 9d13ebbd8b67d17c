import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { DatedPrice } from '../config/types.ts';
import { createUsage } from '../spec/index.ts';
import { costMicros, formatMicros, priceAt, share, withMarkup } from './cost.ts';

function price(fromMs: number | undefined, input: number, output: number, extra: Partial<DatedPrice> = {}): DatedPrice {
  return {
    from: undefined,
    fromMs,
    inputMicrosPerMillion: input,
    cachedInputMicrosPerMillion: input,
    cacheWriteMicrosPerMillion: input,
    outputMicrosPerMillion: output,
    reasoningMicrosPerMillion: output,
    ...extra,
  };
}

const december15 = Date.UTC(2026, 11, 15);

describe('priceAt', () => {
  const book = [price(undefined, 2_500_000, 10_000_000), price(december15, 2_000_000, 8_000_000)];

  it('takes a price change from 00:00 UTC of its day, not a millisecond earlier', () => {
    assert.equal(priceAt(book, december15 - 1)!.inputMicrosPerMillion, 2_500_000);
    assert.equal(priceAt(book, december15)!.inputMicrosPerMillion, 2_000_000);
  });

  it('has no price before the first dated one', () => {
    assert.equal(priceAt([price(december15, 1, 1)], december15 - 1), undefined);
    assert.equal(priceAt([], december15), undefined);
  });
});

describe('costMicros', () => {
  const prices = price(undefined, 2_500_000, 10_000_000, { cachedInputMicrosPerMillion: 1_250_000, cacheWriteMicrosPerMillion: 3_125_000, reasoningMicrosPerMillion: 12_000_000 });

  it('prices each kind of token once: uncached, cache reads, cache writes, text, reasoning', () => {
    // 600 uncached + 300 cached + 100 written = 1,000 prompt tokens; 200 output of which 50 reasoning.
    const usage = createUsage({ input: 1_000, cacheRead: 300, cacheWrite: 100, output: 200, reasoning: 50 });
    // 1,500 + 375 + 312.5 + 1,500 + 600 = 4,287.5 micro-units, rounded half up once.
    assert.equal(costMicros(usage, prices), 4_288);
  });

  it('is never negative when cached tokens exceed the prompt (a faulty upstream)', () => {
    const usage = createUsage({ input: 10, cacheRead: 40, output: 0 });
    assert.ok(costMicros(usage, prices) >= 0);
  });

  it('rounds half up once per request, in micro-units', () => {
    // 1 token at 500,000 micros per million = 0.5 micro: rounds to 1; at 499,999: rounds to 0.
    assert.equal(costMicros(createUsage({ input: 1, output: 0 }), price(undefined, 500_000, 0)), 1);
    assert.equal(costMicros(createUsage({ input: 1, output: 0 }), price(undefined, 499_999, 0)), 0);
  });

  it('stays exact past 2^53 in the intermediate product', () => {
    // 10^9 tokens at 10^9 micros per million: 10^18 before the division, 10^12 micros after.
    assert.equal(costMicros(createUsage({ input: 1_000_000_000, output: 0 }), price(undefined, 1_000_000_000, 0)), 1_000_000_000_000);
  });

  it('is 0 without usage or price', () => {
    assert.equal(costMicros(undefined, prices), 0);
    assert.equal(costMicros(createUsage({ input: 5, output: 5 }), undefined), 0);
  });
});

describe('money helpers', () => {
  it('marks up in basis points, rounding half up', () => {
    assert.equal(withMarkup(1_000_000, 2_500), 1_250_000);
    assert.equal(withMarkup(1, 5_000), 2);
    assert.equal(withMarkup(1, 4_999), 1);
    assert.equal(withMarkup(123, 0), 123);
  });

  it('takes a share in basis points, rounding half up', () => {
    assert.equal(share(1_000_000, 2_000), 200_000);
    assert.equal(share(5, 1_000), 1);
    assert.equal(share(4, 1_000), 0);
  });

  it('formats micro-units exactly', () => {
    assert.equal(formatMicros(0, 'USD'), '0.000000 USD');
    assert.equal(formatMicros(1, 'USD'), '0.000001 USD');
    assert.equal(formatMicros(12_345_678, 'EUR'), '12.345678 EUR');
    assert.equal(formatMicros(9_007_199_254_740_991, 'USD'), '9007199254.740991 USD');
  });
});
