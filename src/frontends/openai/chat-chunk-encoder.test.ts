import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GatewayError } from '../../errors/index.ts';
import { createUsage, type StreamPart } from '../../spec/index.ts';
import { ChatChunkEncoder, doneEvent } from './chat-chunk-encoder.ts';

function events(text: string): unknown[] {
  return text
    .split('\n\n')
    .filter((event) => event !== '')
    .map((event) => {
      assert.ok(event.startsWith('data: '), event);
      return JSON.parse(event.slice('data: '.length));
    });
}

const parts: StreamPart[] = [
  { type: 'start', id: 'chatcmpl-1', created: 1700000000, model: 'gpt-4o' },
  { type: 'text-delta', delta: 'Hel"lo' },
  { type: 'tool-call-delta', index: 0, id: 'call_1', name: 'lookup', argumentsDelta: '' },
  { type: 'tool-call-delta', index: 0, id: undefined, name: undefined, argumentsDelta: '{"q":1}' },
  { type: 'finish', finishReason: { unified: 'tool-calls', raw: 'tool_calls' } },
  { type: 'usage', usage: createUsage({ input: 10, cacheRead: 4, output: 5, reasoning: 2 }) },
];

describe('ChatChunkEncoder', () => {
  it('writes OpenAI chat.completion.chunk events with usage when asked', () => {
    const encoder = new ChatChunkEncoder(true, 'request-1');
    const chunks = events(parts.map((part) => encoder.encode(part)).join('')) as Array<Record<string, any>>;
    assert.equal(chunks.length, 6);
    for (const chunk of chunks) {
      assert.equal(chunk.id, 'chatcmpl-1');
      assert.equal(chunk.object, 'chat.completion.chunk');
      assert.equal(chunk.model, 'gpt-4o');
    }
    assert.deepEqual(chunks[0].choices[0].delta, { role: 'assistant', content: '' });
    assert.equal(chunks[0].usage, null);
    assert.equal(chunks[1].choices[0].delta.content, 'Hel"lo');
    assert.deepEqual(chunks[2].choices[0].delta.tool_calls, [{ index: 0, id: 'call_1', type: 'function', function: { name: 'lookup', arguments: '' } }]);
    assert.deepEqual(chunks[3].choices[0].delta.tool_calls, [{ index: 0, function: { arguments: '{"q":1}' } }]);
    assert.equal(chunks[4].choices[0].finish_reason, 'tool_calls');
    assert.deepEqual(chunks[5].choices, []);
    assert.deepEqual(chunks[5].usage, {
      prompt_tokens: 10,
      completion_tokens: 5,
      total_tokens: 15,
      prompt_tokens_details: { cached_tokens: 4 },
      completion_tokens_details: { reasoning_tokens: 2 },
    });
  });

  it('omits usage entirely when the client did not ask for it', () => {
    const encoder = new ChatChunkEncoder(false, 'request-1');
    const text = parts.map((part) => encoder.encode(part)).join('');
    const chunks = events(text) as Array<Record<string, any>>;
    assert.equal(chunks.length, 5);
    assert.ok(chunks.every((chunk) => !('usage' in chunk)));
  });

  it('mints an id from the request id when the upstream gave none', () => {
    const encoder = new ChatChunkEncoder(false, 'request-9');
    const [chunk] = events(encoder.encode({ type: 'start', id: '', created: 1, model: 'm' })) as Array<Record<string, any>>;
    assert.equal(chunk.id, 'chatcmpl-request-9');
  });

  it('writes an OpenAI error event and a [DONE] terminator', () => {
    const encoder = new ChatChunkEncoder(false, 'r');
    const [event] = events(encoder.error(new GatewayError('upstream_stream_error', 'cut'))) as Array<Record<string, any>>;
    assert.deepEqual(event, { error: { message: 'cut', type: 'server_error', param: null, code: 'upstream_stream_error' } });
    assert.equal(doneEvent, 'data: [DONE]\n\n');
  });
});
