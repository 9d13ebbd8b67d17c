import { test } from 'node:test';
import assert from 'node:assert/strict';
import { countDataEvents, GEMINI_FINISH, GEMINI_TEXT, OPENAI_CONTENT, StreamMatcher } from './content-delta.ts';
import { percentile, summarize } from './statistics.ts';

const role = 'data: {"choices":[{"index":0,"delta":{"role":"assistant","content":"","refusal":null}}]}\n\n';
const token = 'data: {"choices":[{"index":0,"delta":{"content":"Hello"}}]}\n\n';

test('the role-only first event is not a content delta; the first token is', () => {
  const scanner = new StreamMatcher(OPENAI_CONTENT);
  assert.equal(scanner.push(Buffer.from(role)), false);
  assert.equal(scanner.push(Buffer.from(token)), true);
});

test('a content delta split across chunks at every position is found in the chunk that completes it', () => {
  const text = role + token;
  const completesAt = text.indexOf('"Hello"') + 2; // the quote and the first character
  for (let cut = 1; cut < text.length; cut++) {
    const scanner = new StreamMatcher(OPENAI_CONTENT);
    const first = scanner.push(Buffer.from(text.slice(0, cut)));
    const second = scanner.push(Buffer.from(text.slice(cut)));
    assert.equal(first, cut >= completesAt, `cut at ${cut}`);
    if (!first) assert.equal(second, true, `cut at ${cut}`);
  }
});

test('null content, whitespace and other keys ending in content', () => {
  const scanner = new StreamMatcher(OPENAI_CONTENT);
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

test('Gemini text parts count as content, a {…} content object does not; finishReason is found across any split', () => {
  const text = 'data: {"candidates":[{"content":{"role":"model","parts":[{"text":"Hello"}]}}]}\r\n\r\n';
  const completesAt = text.indexOf('"Hello"') + 2;
  for (let cut = 1; cut < text.length; cut++) {
    const scanner = new StreamMatcher(GEMINI_TEXT);
    const first = scanner.push(Buffer.from(text.slice(0, cut)));
    const second = scanner.push(Buffer.from(text.slice(cut)));
    assert.equal(first, cut >= completesAt, `cut at ${cut}`);
    if (!first) assert.equal(second, true, `cut at ${cut}`);
  }
  // With OpenAI's key, Gemini's `"content":{…}` object is no content delta.
  assert.equal(new StreamMatcher(OPENAI_CONTENT).push(Buffer.from(text)), false);
  const finish = 'data: {"candidates":[{"finishReason":"STOP"}]}\r\n\r\n';
  for (let first = 1; first < finish.length - 1; first++) {
    for (const second of [first + 1, Math.min(finish.length - 1, first + 5)]) {
      const scanner = new StreamMatcher(GEMINI_FINISH);
      scanner.push(Buffer.from(finish.slice(0, first)));
      scanner.push(Buffer.from(finish.slice(first, second)));
      scanner.push(Buffer.from(finish.slice(second)));
      assert.equal(scanner.found, true, `cuts at ${first}, ${second}`);
    }
  }
  const absent = new StreamMatcher(GEMINI_FINISH);
  for (const piece of ['data: {"finish', 'Rea', 'son2":1, "reason":"STOP"}']) absent.push(Buffer.from(piece));
  assert.equal(absent.found, false);
});
