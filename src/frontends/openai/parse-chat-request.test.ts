import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GatewayError } from '../../errors/index.ts';
import type { ChatRequest } from '../../spec/index.ts';
import { parseChatRequest } from './parse-chat-request.ts';

/** The chat pass-through's flag (the Responses pass-through has none). */
function refusalOnlyTurns(request: ChatRequest): boolean | undefined {
  return request.passthrough?.dialect === 'openai-chat' ? request.passthrough.refusalOnlyTurns : undefined;
}

const base = { model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] };

function rejection(body: unknown): GatewayError {
  try {
    parseChatRequest(body);
  } catch (error) {
    assert.ok(error instanceof GatewayError, `expected GatewayError, got ${error}`);
    return error;
  }
  assert.fail('expected the request to be rejected');
}

describe('parseChatRequest', () => {
  it('takes a model name of exactly 256 characters and refuses 257, as long as a configured name can be', () => {
    const messages = [{ role: 'user', content: 'hi' }];
    assert.equal(parseChatRequest({ model: 'm'.repeat(256), messages }).model, 'm'.repeat(256));
    assert.throws(
      () => parseChatRequest({ model: 'm'.repeat(257), messages }),
      (error: unknown) => error instanceof GatewayError && error.status === 400 && error.param === 'model' && !error.message.includes('m'.repeat(257)),
    );
  });

  it('normalises the generation settings', () => {
    const request = parseChatRequest({
      ...base,
      stream: true,
      stream_options: { include_usage: true },
      max_completion_tokens: 50,
      temperature: 0.5,
      top_p: 0.9,
      seed: 7,
      stop: 'END',
      user: 'u-1',
    });
    assert.equal(request.model, 'gpt-4o');
    assert.equal(request.stream, true);
    assert.equal(request.includeUsage, true);
    assert.equal(request.maxOutputTokens, 50);
    assert.equal(request.usesMaxCompletionTokens, true);
    assert.deepEqual(request.stop, ['END']);
    assert.equal(request.temperature, 0.5);
    assert.equal(request.topP, 0.9);
    assert.equal(request.seed, 7);
    assert.equal(request.user, 'u-1');
  });

  it('keeps the body as sent, unknown fields included, as the OpenAI pass-through, without copying it', () => {
    const body = { ...base, logprobs: true, metadata: { team: 'a' } };
    const request = parseChatRequest(body);
    assert.equal(request.passthrough?.dialect, 'openai-chat');
    assert.equal(request.passthrough?.body, body);
    assert.deepEqual(request.messages, [{ role: 'user', content: 'hi' }]);
    assert.equal(request.maxOutputTokens, undefined);
    assert.equal(request.usesMaxCompletionTokens, false);
  });

  it('accepts tools, tool choice, tool results, images and json_schema', () => {
    const request = parseChatRequest({
      model: 'gpt-4o',
      messages: [
        { role: 'system', content: 'be brief' },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'what is this?' },
            { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
            { type: 'image_url', image_url: { url: 'https://example.com/cat.png', detail: 'low' } },
          ],
        },
        { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'lookup', arguments: '{}' } }] },
        { role: 'tool', tool_call_id: 'call_1', content: '{"ok":true}' },
      ],
      tools: [{ type: 'function', function: { name: 'lookup', parameters: { type: 'object', properties: {} } } }],
      tool_choice: { type: 'function', function: { name: 'lookup' } },
      response_format: { type: 'json_schema', json_schema: { name: 'answer', schema: { type: 'object' } } },
    });
    assert.equal(request.tools?.length, 1);
    assert.deepEqual(request.toolChoice, { type: 'function', name: 'lookup' });
    assert.equal(request.responseFormat?.type, 'json-schema');
  });

  it('converts messages, parts, tools and formats to the neutral shapes, sharing strings and schemas', () => {
    const parameters = { type: 'object', properties: { city: { type: 'string' } } };
    const schema = { type: 'object', properties: { answer: { type: 'string' } } };
    const pngUrl = 'data:image/png;base64,iVBORw0KGgo=';
    const request = parseChatRequest({
      model: 'gpt-4o',
      messages: [
        { role: 'system', content: 'be brief', name: 'rules' },
        { role: 'developer', content: [{ type: 'text', text: 'in French' }] },
        {
          role: 'user',
          name: 7,
          content: [
            { type: 'text', text: 'what is this?' },
            { type: 'image_url', image_url: { url: pngUrl, detail: 'high' } },
            { type: 'image_url', image_url: { url: 'https://example.com/cat.png' } },
            { type: 'image_url', image_url: { url: 'data:image/png,raw;base64,xx' } },
          ],
        },
        { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'lookup', arguments: '{"city":"Lima"}' } }] },
        { role: 'tool', tool_call_id: 'call_1', content: [{ type: 'text', text: 'sunny' }] },
        { role: 'assistant', content: [{ type: 'text', text: 'Sunny.' }], refusal: null, name: 'bot' },
      ],
      tools: [{ type: 'function', function: { name: 'lookup', description: 'Weather', parameters, strict: true } }],
      tool_choice: 'required',
      response_format: { type: 'json_schema', json_schema: { name: 'answer', description: 'An answer', schema, strict: null } },
    });
    assert.deepEqual(request.messages, [
      { role: 'system', content: 'be brief', name: 'rules' },
      { role: 'developer', content: [{ type: 'text', text: 'in French' }] },
      {
        role: 'user',
        content: [
          { type: 'text', text: 'what is this?' },
          { type: 'image', source: { type: 'data', mediaType: 'image/png', data: 'iVBORw0KGgo=' }, detail: 'high' },
          { type: 'image', source: { type: 'url', url: 'https://example.com/cat.png' } },
          // Not splittable into type and base64: kept as a URL for the provider to judge, as before.
          { type: 'image', source: { type: 'url', url: 'data:image/png,raw;base64,xx' } },
        ],
      },
      { role: 'assistant', toolCalls: [{ id: 'call_1', name: 'lookup', arguments: '{"city":"Lima"}' }] },
      { role: 'tool', toolCallId: 'call_1', content: [{ type: 'text', text: 'sunny' }] },
      { role: 'assistant', content: [{ type: 'text', text: 'Sunny.' }], name: 'bot' },
    ]);
    assert.deepEqual(request.tools, [{ type: 'function', name: 'lookup', description: 'Weather', parameters, strict: true }]);
    assert.equal(request.tools?.[0].parameters, parameters);
    assert.equal(request.toolChoice, 'required');
    assert.deepEqual(request.responseFormat, { type: 'json-schema', name: 'answer', description: 'An answer', schema });
    assert.equal(request.responseFormat?.type === 'json-schema' ? request.responseFormat.schema : undefined, schema);
    assert.deepEqual(parseChatRequest({ ...base, response_format: { type: 'json_object' } }).responseFormat, { type: 'json-object' });
    assert.deepEqual(parseChatRequest({ ...base, response_format: { type: 'text' } }).responseFormat, { type: 'text' });
  });

  const cases: Array<[string, unknown, string, RegExp]> = [
    ['a body that is not an object', [1, 2], '', /expected a JSON object/],
    ['a missing model', { messages: base.messages }, 'model', /Missing required parameter: 'model'/],
    ['a model of the wrong type', { ...base, model: 42 }, 'model', /expected a non-empty string, but got number/],
    ['missing messages', { model: 'gpt-4o' }, 'messages', /Missing required parameter: 'messages'/],
    ['empty messages', { ...base, messages: [] }, 'messages', /at least one message/],
    ['an unknown role', { ...base, messages: [{ role: 'robot', content: 'x' }] }, 'messages[0].role', /expected 'system'/],
    ['user content of the wrong type', { ...base, messages: [{ role: 'user', content: 5 }] }, 'messages[0].content', /got number/],
    [
      'an image URL that is neither https nor data',
      { ...base, messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'file:///etc/passwd' } }] }] },
      'messages[0].content[0].image_url.url',
      /https URL or a data:image/,
    ],
    ['a tool message without tool_call_id', { ...base, messages: [{ role: 'tool', content: 'x' }] }, 'messages[0].tool_call_id', /expected a string/],
    ['an assistant message with nothing', { ...base, messages: [{ role: 'assistant' }] }, 'messages[0].content', /needs 'content', 'tool_calls' or 'refusal'/],
    ['an assistant message whose refusal is null', { ...base, messages: [{ role: 'assistant', content: null, refusal: null }] }, 'messages[0].content', /needs 'content', 'tool_calls' or 'refusal'/],
    ['a refusal of the wrong type', { ...base, messages: [{ role: 'assistant', content: null, refusal: 7 }] }, 'messages[0].refusal', /expected a string or null, but got number/],
    ['temperature out of range', { ...base, temperature: 3 }, 'temperature', /out of range/],
    ['temperature of the wrong type', { ...base, temperature: 'hot' }, 'temperature', /expected a number, but got string/],
    ['max_tokens below one', { ...base, max_tokens: 0 }, 'max_tokens', /below the minimum/],
    ['a fractional max_completion_tokens', { ...base, max_completion_tokens: 1.5 }, 'max_completion_tokens', /an integer/],
    ['stream of the wrong type', { ...base, stream: 'yes' }, 'stream', /a boolean/],
    ['stream_options without stream', { ...base, stream_options: { include_usage: true } }, 'stream_options', /only allowed when 'stream' is true/],
    ['too many stop sequences', { ...base, stop: ['a', 'b', 'c', 'd', 'e'] }, 'stop', /at most 4/],
    ['a tool with a bad name', { ...base, tools: [{ type: 'function', function: { name: 'has space' } }] }, 'tools[0].function.name', /letters, digits/],
    ['a named tool choice for a missing tool', { ...base, tool_choice: { type: 'function', function: { name: 'nope' } } }, 'tool_choice', /no tool named "nope"/],
    ['required tool choice without tools', { ...base, tool_choice: 'required' }, 'tool_choice', /needs 'tools'/],
    ['an unknown response format', { ...base, response_format: { type: 'yaml' } }, 'response_format.type', /expected 'text'/],
  ];
  for (const [name, body, param, message] of cases) {
    it(`rejects ${name} with param "${param}"`, () => {
      const error = rejection(body);
      assert.equal(error.code, 'invalid_request');
      assert.equal(error.status, 400);
      assert.equal(error.param, param);
      assert.match(error.message, message);
    });
  }

  it('accepts an assistant turn that carries only a refusal, as OpenAI returns it', () => {
    const history = [
      { role: 'user', content: 'Help me with something bad' },
      { role: 'assistant', content: null, refusal: "I can't help with that." },
      { role: 'user', content: 'Something else then' },
    ];
    const request = parseChatRequest({ ...base, messages: history });
    assert.deepEqual(request.messages[1], { role: 'assistant', refusal: "I can't help with that." });
    // The pass-through says so, for upstreams that need such a turn rewritten; other requests do not.
    assert.equal(refusalOnlyTurns(request), true);
    assert.equal(refusalOnlyTurns(parseChatRequest(base)), undefined);
    const withCalls = [{ role: 'assistant', content: null, refusal: 'no', tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: '{}' } }] }];
    assert.equal(refusalOnlyTurns(parseChatRequest({ ...base, messages: withCalls })), undefined);
    // Content absent rather than null, and an empty refusal: still a refusal.
    assert.deepEqual(parseChatRequest({ ...base, messages: [{ role: 'assistant', refusal: '' }] }).messages[0], { role: 'assistant', refusal: '' });
  });

  it('takes max_completion_tokens over max_tokens when both are sent', () => {
    const both = parseChatRequest({ ...base, max_tokens: 5, max_completion_tokens: 9 });
    assert.equal(both.maxOutputTokens, 9);
    assert.equal(both.usesMaxCompletionTokens, true);
    const reversed = parseChatRequest({ ...base, max_tokens: 9, max_completion_tokens: 5 });
    assert.equal(reversed.maxOutputTokens, 5);
    const older = parseChatRequest({ ...base, max_tokens: 9, max_completion_tokens: null });
    assert.equal(older.maxOutputTokens, 9);
    assert.equal(older.usesMaxCompletionTokens, false);
  });

  it('rejects n other than 1 as unsupported, naming the parameter', () => {
    const error = rejection({ ...base, n: 3 });
    assert.equal(error.code, 'unsupported_parameter');
    assert.equal(error.status, 400);
    assert.equal(error.param, 'n');
    assert.match(error.message, /n = 1/);
    assert.doesNotThrow(() => parseChatRequest({ ...base, n: 1 }));
  });
});
