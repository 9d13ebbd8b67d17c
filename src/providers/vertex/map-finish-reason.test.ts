import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { UnifiedFinishReason } from '../../spec/index.ts';
import { mapGeminiFinishReason } from './map-finish-reason.ts';

describe('mapGeminiFinishReason', () => {
  const cases: Array<[string | undefined, boolean, UnifiedFinishReason]> = [
    ['STOP', false, 'stop'],
    ['STOP', true, 'tool-calls'],
    ['MAX_TOKENS', false, 'length'],
    ['MAX_TOKENS', true, 'length'],
    ['CONTINUATION', false, 'length'],
    ['SAFETY', false, 'content-filter'],
    ['SAFETY', true, 'content-filter'],
    ['PROHIBITED_CONTENT', false, 'content-filter'],
    ['BLOCKLIST', false, 'content-filter'],
    ['SPII', false, 'content-filter'],
    ['RECITATION', false, 'content-filter'],
    ['IMAGE_SAFETY', false, 'content-filter'],
    ['IMAGE_PROHIBITED_CONTENT', false, 'content-filter'],
    ['IMAGE_RECITATION', false, 'content-filter'],
    ['MALFORMED_FUNCTION_CALL', false, 'other'],
    ['MALFORMED_FUNCTION_CALL', true, 'other'],
    ['UNEXPECTED_TOOL_CALL', false, 'other'],
    ['TOO_MANY_TOOL_CALLS', false, 'other'],
    ['LANGUAGE', false, 'other'],
    ['OTHER', false, 'other'],
    ['FINISH_REASON_UNSPECIFIED', false, 'other'],
    ['SOMETHING_NEWER', false, 'other'],
    [undefined, false, 'other'],
    [undefined, true, 'tool-calls'],
  ];
  for (const [raw, hasToolCalls, unified] of cases) {
    it(`${raw ?? '(none)'}${hasToolCalls ? ' with function calls' : ''} → ${unified}`, () => {
      assert.deepEqual(mapGeminiFinishReason(raw, hasToolCalls), { unified, raw });
    });
  }

  it('treats null and an empty string as no reason', () => {
    assert.deepEqual(mapGeminiFinishReason(null, false), { unified: 'other', raw: undefined });
    assert.deepEqual(mapGeminiFinishReason('', false), { unified: 'other', raw: undefined });
  });
});
