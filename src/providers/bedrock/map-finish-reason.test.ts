import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mapConverseStopReason } from './map-finish-reason.ts';

describe('mapConverseStopReason', () => {
  const cases: Array<[string | undefined, string]> = [
    ['end_turn', 'stop'],
    ['stop_sequence', 'stop'],
    ['max_tokens', 'length'],
    ['model_context_window_exceeded', 'length'],
    ['tool_use', 'tool-calls'],
    ['guardrail_intervened', 'content-filter'],
    ['content_filtered', 'content-filter'],
    ['malformed_model_output', 'other'],
    ['malformed_tool_use', 'other'],
    ['something_new', 'other'],
    [undefined, 'other'],
  ];
  for (const [raw, unified] of cases) {
    it(`maps ${raw} to ${unified}, keeping the raw value`, () => {
      assert.deepEqual(mapConverseStopReason(raw), { unified, raw });
    });
  }
});
