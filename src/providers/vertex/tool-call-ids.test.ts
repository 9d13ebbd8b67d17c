import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mintToolCallId, toolCallId } from './tool-call-ids.ts';

describe('tool-call ids', () => {
  it('mints the same id for the same response, position and name', () => {
    assert.equal(mintToolCallId('resp-1', 0, 'get_weather'), mintToolCallId('resp-1', 0, 'get_weather'));
    assert.match(mintToolCallId('resp-1', 0, 'get_weather'), /^call_[A-Za-z0-9_-]{24}$/);
  });

  it('mints different ids for other responses, positions or names', () => {
    const ids = new Set([
      mintToolCallId('resp-1', 0, 'get_weather'),
      mintToolCallId('resp-2', 0, 'get_weather'),
      mintToolCallId('resp-1', 1, 'get_weather'),
      mintToolCallId('resp-1', 0, 'get_time'),
      // No ambiguity from concatenation: ("a", 10) and ("a1", 0) differ.
      mintToolCallId('a', 10, 'f'),
      mintToolCallId('a1', 0, 'f'),
    ]);
    assert.equal(ids.size, 6);
  });

  it("keeps Gemini's own id when it fits OpenAI's limits, and mints one otherwise", () => {
    assert.equal(toolCallId('fc_0a1b2c', 'resp', 0, 'f'), 'fc_0a1b2c');
    const minted = mintToolCallId('resp', 0, 'f');
    for (const unusable of [undefined, null, '', 42, 'x'.repeat(41), 'has space', 'slash/inside']) {
      assert.equal(toolCallId(unusable, 'resp', 0, 'f'), minted, String(unusable));
    }
  });

  it('minted ids stay within the 40 characters OpenAI accepts back', () => {
    assert.ok(mintToolCallId('r'.repeat(500), 999, 'n'.repeat(128)).length <= 40);
  });
});
