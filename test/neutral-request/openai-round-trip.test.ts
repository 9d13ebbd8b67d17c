/**
 * A request parsed by the OpenAI frontend reaches an OpenAI-dialect upstream the same way whether the client's body is
 * forwarded (the pass-through fast path) or the neutral request is encoded (the path for every other frontend): for
 * every field the gateway models, the two bodies are equal.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseChatRequest, parseEmbeddingRequest } from '../../src/frontends/openai/index.ts';
import { convertChatRequest, convertEmbeddingRequest, type OpenAIDialect } from '../../src/providers/openai/convert-request.ts';
import type { ChatRequest, EmbeddingRequest } from '../../src/spec/index.ts';

const richBody = {
  model: 'gpt-4o',
  messages: [
    { role: 'system', content: 'Be brief.', name: 'policy' },
    { role: 'developer', content: [{ type: 'text', text: 'Answer in French.' }] },
    {
      role: 'user',
      content: [
        { type: 'text', text: 'What is in this picture, and the weather there?' },
        { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUg==', detail: 'low' } },
        { type: 'image_url', image_url: { url: 'https://example.com/cat.png' } },
      ],
    },
    {
      role: 'assistant',
      content: null,
      tool_calls: [
        { id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Lima"}' } },
        { id: 'call_2', type: 'function', function: { name: 'get_time', arguments: '' } },
      ],
    },
    { role: 'tool', tool_call_id: 'call_1', content: 'sunny' },
    { role: 'tool', tool_call_id: 'call_2', content: [{ type: 'text', text: '14:00' }] },
    { role: 'assistant', content: 'Un chat, au soleil.', name: 'bot' },
    { role: 'assistant', content: [{ type: 'text', text: 'À 14 h.' }], refusal: 'none needed' },
    { role: 'user', content: 'Merci', name: 'ana' },
  ],
  tools: [
    {
      type: 'function',
      function: {
        name: 'get_weather',
        description: 'Weather for a city',
        parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
        strict: true,
      },
    },
    { type: 'function', function: { name: 'get_time' } },
  ],
  tool_choice: { type: 'function', function: { name: 'get_weather' } },
  parallel_tool_calls: false,
  response_format: {
    type: 'json_schema',
    json_schema: { name: 'answer', description: 'The answer', schema: { type: 'object', properties: { text: { type: 'string' } } }, strict: true },
  },
  stop: ['END', '###'],
  seed: 42,
  temperature: 0.3,
  top_p: 0.9,
  user: 'user-7',
};

const asSent: OpenAIDialect = { maxTokensField: 'as-sent' };
const maxTokensOnly: OpenAIDialect = { maxTokensField: 'max_tokens' };

function withoutPassthrough(request: ChatRequest): ChatRequest {
  const { passthrough, ...neutral } = request;
  assert.ok(passthrough !== undefined, 'the OpenAI frontend attaches the body');
  return neutral;
}

function bothWays(request: ChatRequest, dialect: OpenAIDialect, stream: boolean): { forwarded: unknown; encoded: unknown } {
  return {
    forwarded: JSON.parse(convertChatRequest(request, 'upstream-model', dialect, stream)),
    encoded: JSON.parse(convertChatRequest(withoutPassthrough(request), 'upstream-model', dialect, stream)),
  };
}

describe('OpenAI chat body: pass-through and encoding from neutral agree', () => {
  for (const limit of ['max_tokens', 'max_completion_tokens'] as const) {
    for (const dialect of [asSent, maxTokensOnly]) {
      for (const stream of [false, true]) {
        it(`for a rich request with ${limit}, dialect ${dialect.maxTokensField}, ${stream ? 'streaming' : 'not streaming'}`, () => {
          const body = stream ? { ...richBody, [limit]: 256, stream: true, stream_options: { include_usage: false } } : { ...richBody, [limit]: 256 };
          const { forwarded, encoded } = bothWays(parseChatRequest(body), dialect, stream);
          assert.deepEqual(encoded, forwarded);
          // Not vacuous: the limit is there, under the spelling the dialect calls for.
          const expectedField = dialect.maxTokensField === 'max_tokens' ? 'max_tokens' : limit;
          assert.equal((encoded as Record<string, unknown>)[expectedField], 256);
          assert.equal((encoded as Record<string, unknown>).model, 'upstream-model');
        });
      }
    }
  }

  it('for tool_choice strings, response formats text and json_object, and a single stop string', () => {
    for (const extra of [
      { tool_choice: 'required', response_format: { type: 'json_object' } },
      { tool_choice: 'none', response_format: { type: 'text' } },
      { tool_choice: 'auto' },
    ]) {
      const { forwarded, encoded } = bothWays(parseChatRequest({ ...richBody, ...extra }), asSent, false);
      assert.deepEqual(encoded, forwarded);
    }
    const single = bothWays(parseChatRequest({ ...richBody, stop: 'END' }), asSent, false);
    // The one modelled difference: the neutral stop is always a list.
    assert.deepEqual(single.encoded, { ...(single.forwarded as object), stop: ['END'] });
  });

  it('only the pass-through carries fields the gateway does not model', () => {
    const { forwarded, encoded } = bothWays(parseChatRequest({ ...richBody, logprobs: true, metadata: { team: 'a' } }), asSent, false);
    assert.equal((forwarded as Record<string, unknown>).logprobs, true);
    assert.equal((encoded as Record<string, unknown>).logprobs, undefined);
    const { logprobs, metadata, ...modelled } = forwarded as Record<string, unknown>;
    assert.deepEqual([logprobs, metadata], [true, { team: 'a' }]);
    assert.deepEqual(encoded, modelled);
  });
});

describe('OpenAI embeddings body: pass-through and encoding from neutral agree', () => {
  function withoutEmbeddingPassthrough(request: EmbeddingRequest): EmbeddingRequest {
    const { passthrough, ...neutral } = request;
    assert.ok(passthrough !== undefined);
    return neutral;
  }

  for (const body of [
    { model: 'e', input: ['one', 'two'], dimensions: 256, encoding_format: 'base64', user: 'u-1' },
    { model: 'e', input: [[1, 2], [3]] },
    { model: 'e', input: ['x'], encoding_format: 'base64' },
  ]) {
    it(`for ${JSON.stringify(body)}`, () => {
      const request = parseEmbeddingRequest(body);
      const forwarded = JSON.parse(convertEmbeddingRequest(request, 'upstream-embed'));
      const encoded = JSON.parse(convertEmbeddingRequest(withoutEmbeddingPassthrough(request), 'upstream-embed'));
      assert.deepEqual(encoded, forwarded);
      assert.equal(encoded.model, 'upstream-embed');
    });
  }
});
