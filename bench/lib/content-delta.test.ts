import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ContentDeltaScanner, countDataEvents } from './content-delta.ts';
import { percentile, summarize } from './statistics.ts';

const role = 'data: {"choices":[{"index":0,"delta":{"role":"assistant","content":"","refusal":null}}]}\n\n';
const token = 'data: {"choices":[{"index":0,"delta":{"content":"Hello"}}]}\n\n';

test('the role-only first event is not a content delta; the first token is', () => {
  const scanner = new ContentDeltaScanner();
  assert.equal(scanner.push(Buffer.from(role)), false);
  assert.equal(scanner.push(Buffer.from(token)), true);
});

test('a content delta split across chunks at every position is found in the chunk that completes it', () => {
  const text = role + token;
  const completesAt = text.indexOf('"Hello"') + 2; // the quote and the first character
  for (let cut = 1; cut < text.length; cut++) {
    const scanner = new ContentDeltaScanner();
    const first = scanner.push(Buffer.from(text.slice(0, cut)));
    const second = scanner.push(Buffer.from(text.slice(cut)));
    assert.equal(first, cut >= completesAt, `cut at ${cut}`);
    if (!first) assert.equal(second, true, `cut at ${cut}`);
  }
});

test('null content, whitespace and other keys ending in content', () => {
  const scanner = new ContentDeltaScanner();
  assert.equal(scanner.push(Buffer.from('{"delta":{"content":null,"reasoning_content":"x"}}')), false);
  assert.equal(scanner.push(Buffer.from('{"delta":{"content" : "x"}}')), true);
});

test('data events are counted', () => {
  assert.equal(countDataEvents(Buffer.from(role + token + 'data: [DONE]\n\n')), 3);
});

test('nearest-rank percentiles', () => {
  const sorted = Float64Array.from({ length: 100 }, (_, index) => index + 1);
  assert.equal(percentile(sorted, 0.5), 50);
  assert.equal(percentile(sorted, 0.99), 99);
  const summary = summarize(Float64Array.from([3, 1, 2, 0, 0]), 3);
  assert.deepEqual([summary?.min, summary?.p50, summary?.max], [1, 2, 3]);
});
