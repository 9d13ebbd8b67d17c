import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createChatRequest, type ChatMessage, type ChatRequest, type EmbeddingRequest } from '../../spec/index.ts';
import { convertChatRequest, convertEmbeddingRequest, encodeChatRequest, type OpenAIDialect } from './convert-request.ts';

const asSent: OpenAIDialect = { maxTokensField: 'as-sent' };
const maxTokensOnly: OpenAIDialect = { maxTokensField: 'max_tokens' };

function chatRequest(overrides: Partial<ChatRequest> & { messages: ChatMessage[] }): ChatRequest {
  return createChatRequest({ model: 'public', ...overrides });
}

const parse = (text: string): Record<string, unknown> => JSON.parse(text) as Record<string, unknown>;

describe('convertChatRequest: the pass-through fast path', () => {
  const body = { model: 'public', messages: [{ role: 'user', content: 'Hi' }], logprobs: true, stream: true, stream_options: { include_usage: false, extra: 1 } };
  const request = chatRequest({ messages: [{ role: 'user', content: 'ignored: the body wins' }], passthrough: { dialect: 'openai-chat', body } });

  it('forwards the body as sent with the upstream model, forcing usage on streams and keeping other stream options', () => {
    assert.deepEqual(parse(convertChatRequest(request, 'upstream', asSent, true)), { ...body, model: 'upstream', stream_options: { include_usage: true, extra: 1 } });
    assert.equal(body.stream_options.include_usage, false, 'the client body is not modified');
  });

  it('turns streaming off and drops stream options for a non-streaming call', () => {
    const { stream_options: _dropped, ...rest } = body;
    assert.deepEqual(parse(convertChatRequest(request, 'upstream', asSent, false)), { ...rest, model: 'upstream', stream: false });
  });

  it('renames max_completion_tokens for servers that know only max_tokens, and keeps it otherwise', () => {
    const limited = chatRequest({
      messages: [],
      maxOutputTokens: 64,
      usesMaxCompletionTokens: true,
      passthrough: { dialect: 'openai-chat', body: { model: 'public', messages: [], max_completion_tokens: 64 } },
    });
    assert.deepEqual(parse(convertChatRequest(limited, 'm', maxTokensOnly, false)), { model: 'm', messages: [], max_tokens: 64 });
    assert.deepEqual(parse(convertChatRequest(limited, 'm', asSent, false)), { model: 'm', messages: [], max_completion_tokens: 64 });
  });
});

describe('convertChatRequest: what each dialect takes', () => {
  /** The pass-through request the OpenAI frontend would build from `body`. */
  const passthrough = (body: Record<string, unknown>, extra: Partial<Omit<ChatRequest, 'messages'>> = {}): ChatRequest =>
    chatRequest({ messages: [], passthrough: { dialect: 'openai-chat', body: { model: 'public', ...body } }, ...extra });
  const limitFields = (body: Record<string, unknown>) => Object.keys(body).filter((key) => key === 'max_tokens' || key === 'max_completion_tokens');

  it('sends one output limit, max_completion_tokens winning when both are sent, for every dialect', () => {
    const both = passthrough({ messages: [], max_tokens: 5, max_completion_tokens: 9 }, { maxOutputTokens: 9, usesMaxCompletionTokens: true });
    assert.deepEqual(parse(convertChatRequest(both, 'm', asSent, false)), { model: 'm', messages: [], max_completion_tokens: 9 });
    assert.deepEqual(parse(convertChatRequest(both, 'm', maxTokensOnly, false)), { model: 'm', messages: [], max_tokens: 9 });
    // A null spelling beside the other is not sent either.
    const nulled = passthrough({ messages: [], max_tokens: 5, max_completion_tokens: null }, { maxOutputTokens: 5, usesMaxCompletionTokens: false });
    assert.deepEqual(limitFields(parse(convertChatRequest(nulled, 'm', asSent, false))), ['max_tokens']);
    // Without a limit, nothing is added.
    assert.deepEqual(limitFields(parse(convertChatRequest(passthrough({ messages: [] }), 'm', asSent, false))), []);
    const neutral = chatRequest({ messages: [{ role: 'user', content: 'x' }], maxOutputTokens: 9, usesMaxCompletionTokens: true });
    assert.deepEqual(limitFields(encodeChatRequest(neutral, 'm', asSent, false)), ['max_completion_tokens']);
    assert.deepEqual(limitFields(encodeChatRequest(neutral, 'm', maxTokensOnly, false)), ['max_tokens']);
  });

  it('asks for stream usage only where the upstream takes stream_options, dropping the client’s own otherwise', () => {
    const noStreamOptions: OpenAIDialect = { maxTokensField: 'max_tokens', streamOptions: false };
    const streaming = passthrough({ messages: [], stream: true, stream_options: { include_usage: true } });
    assert.deepEqual(parse(convertChatRequest(streaming, 'm', noStreamOptions, true)), { model: 'm', messages: [], stream: true });
    assert.deepEqual(parse(convertChatRequest(streaming, 'm', { ...noStreamOptions, streamOptions: true }, true)).stream_options, { include_usage: true });
    const neutral = chatRequest({ messages: [{ role: 'user', content: 'x' }], stream: true });
    assert.equal(encodeChatRequest(neutral, 'm', noStreamOptions, true).stream_options, undefined);
    assert.deepEqual(encodeChatRequest(neutral, 'm', asSent, true).stream_options, { include_usage: true });
  });

  it('sends developer messages as system to an upstream that predates the role, and as they are otherwise', () => {
    const noDeveloper: OpenAIDialect = { maxTokensField: 'as-sent', developerRole: false };
    const messages = [{ role: 'developer', content: 'Be brief.', name: 'ops' }, { role: 'user', content: 'Hi' }];
    const request = passthrough({ messages });
    assert.deepEqual(parse(convertChatRequest(request, 'm', noDeveloper, false)).messages, [{ role: 'system', content: 'Be brief.', name: 'ops' }, { role: 'user', content: 'Hi' }]);
    assert.deepEqual(parse(convertChatRequest(request, 'm', asSent, false)).messages, messages);
    assert.equal(messages[0].role, 'developer', 'the client body is not modified');
    const neutral = chatRequest({ messages: [{ role: 'developer', content: 'Be brief.' }, { role: 'system', content: 'Be kind.' }, { role: 'user', content: 'Hi' }] });
    assert.deepEqual(
      (encodeChatRequest(neutral, 'm', noDeveloper, false).messages as Array<{ role: string }>).map((message) => message.role),
      ['system', 'system', 'user'],
    );
    assert.deepEqual((encodeChatRequest(neutral, 'm', asSent, false).messages as Array<{ role: string }>).map((message) => message.role), ['developer', 'system', 'user']);
  });

  it('gives an assistant turn of only a refusal its refusal as content; other turns are left alone', () => {
    const messages = [
      { role: 'user', content: 'Help me with something bad' },
      { role: 'assistant', content: null, refusal: "I can't help with that." },
      { role: 'assistant', content: null, refusal: null, tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: '{}' } }] },
      { role: 'user', content: 'Fine' },
    ];
    const forwarded = parse(convertChatRequest(passthrough({ messages }, { passthrough: { dialect: 'openai-chat', body: { model: 'public', messages }, refusalOnlyTurns: true } }), 'm', asSent, false)).messages as unknown[];
    assert.deepEqual(forwarded, [messages[0], { role: 'assistant', content: "I can't help with that.", refusal: "I can't help with that." }, messages[2], messages[3]]);
    assert.equal(messages[1].content, null, 'the client body is not modified');
    const neutral = chatRequest({ messages: [{ role: 'user', content: 'x' }, { role: 'assistant', refusal: 'No.' }] });
    assert.deepEqual((encodeChatRequest(neutral, 'm', asSent, false).messages as unknown[])[1], { role: 'assistant', content: 'No.', refusal: 'No.' });
  });
});

describe('convertChatRequest: encoding a neutral request without a pass-through', () => {
  it('encodes messages, parts, tool calls and tool results in OpenAI chat shapes', () => {
    const request = chatRequest({
      messages: [
        { role: 'developer', content: [{ type: 'text', text: 'Be brief.' }] },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What is this?' },
            { type: 'image', source: { type: 'data', mediaType: 'image/webp', data: 'UklGRg==' }, detail: 'high' },
            { type: 'image', source: { type: 'url', url: 'https://example.com/a.png' } },
          ],
        },
        { role: 'assistant', toolCalls: [{ id: 'call_1', name: 'look', arguments: '{}' }] },
        { role: 'tool', toolCallId: 'call_1', content: 'a cat' },
        { role: 'assistant', refusal: 'No.', content: '' },
      ],
    });
    assert.deepEqual(parse(convertChatRequest(request, 'upstream', asSent, false)), {
      model: 'upstream',
      messages: [
        { role: 'developer', content: [{ type: 'text', text: 'Be brief.' }] },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What is this?' },
            { type: 'image_url', image_url: { url: 'data:image/webp;base64,UklGRg==', detail: 'high' } },
            { type: 'image_url', image_url: { url: 'https://example.com/a.png' } },
          ],
        },
        { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'look', arguments: '{}' } }] },
        { role: 'tool', tool_call_id: 'call_1', content: 'a cat' },
        { role: 'assistant', content: '', refusal: 'No.' },
      ],
    });
  });

  it('encodes tools, tool choice, response format and settings', () => {
    const schema = { type: 'object' };
    const body = encodeChatRequest(
      chatRequest({
        messages: [{ role: 'user', content: 'Hi' }],
        tools: [{ type: 'function', name: 'look', description: 'Look', parameters: schema, strict: false }],
        toolChoice: { type: 'function', name: 'look' },
        parallelToolCalls: true,
        responseFormat: { type: 'json-schema', name: 'answer', schema, strict: true },
        temperature: 0,
        topP: 1,
        seed: -3,
        stop: ['END'],
        user: 'u',
      }),
      'upstream',
      asSent,
      true,
    );
    assert.deepEqual(body, {
      model: 'upstream',
      messages: [{ role: 'user', content: 'Hi' }],
      stream: true,
      stream_options: { include_usage: true },
      tools: [{ type: 'function', function: { name: 'look', description: 'Look', parameters: schema, strict: false } }],
      tool_choice: { type: 'function', function: { name: 'look' } },
      parallel_tool_calls: true,
      response_format: { type: 'json_schema', json_schema: { name: 'answer', schema, strict: true } },
      temperature: 0,
      top_p: 1,
      seed: -3,
      stop: ['END'],
      user: 'u',
    });
    assert.deepEqual(encodeChatRequest(chatRequest({ messages: [], responseFormat: { type: 'json-object' } }), 'm', asSent, false).response_format, { type: 'json_object' });
  });

  it('spells the output limit as the client did, or max_tokens for servers that know only that', () => {
    const limit = (usesMaxCompletionTokens: boolean, dialect: OpenAIDialect) =>
      Object.keys(encodeChatRequest(chatRequest({ messages: [], maxOutputTokens: 10, usesMaxCompletionTokens }), 'm', dialect, false)).filter((key) => key.startsWith('max_'));
    assert.deepEqual(limit(true, asSent), ['max_completion_tokens']);
    assert.deepEqual(limit(false, asSent), ['max_tokens']);
    assert.deepEqual(limit(true, maxTokensOnly), ['max_tokens']);
    assert.deepEqual(limit(false, maxTokensOnly), ['max_tokens']);
  });
});

describe('convertEmbeddingRequest', () => {
  const neutral: EmbeddingRequest = { model: 'public', input: ['a', 'b'], dimensions: undefined, encodingFormat: 'float', user: undefined };

  it('forwards the pass-through body with the upstream model', () => {
    const body = { model: 'public', input: 'a', extra: true };
    assert.deepEqual(parse(convertEmbeddingRequest({ ...neutral, passthrough: { dialect: 'openai-embeddings', body } }, 'up')), { ...body, model: 'up' });
  });

  it('encodes a neutral request without one', () => {
    assert.deepEqual(parse(convertEmbeddingRequest(neutral, 'up')), { model: 'up', input: ['a', 'b'] });
    assert.deepEqual(parse(convertEmbeddingRequest({ ...neutral, input: [[1, 2]], dimensions: 8, encodingFormat: 'base64', user: 'u' }, 'up')), {
      model: 'up',
      input: [[1, 2]],
      dimensions: 8,
      encoding_format: 'base64',
      user: 'u',
    });
  });
});
